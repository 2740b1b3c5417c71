/** Where a reason comes from: a label a person can check and an https link to the text. */
export type Source = { label: string; href: string }

/** An RFC, optionally at a section (`rfc(9700, '2.1.1')` → “RFC 9700 §2.1.1”). */
export function rfc(number: number, section?: string): Source {
  const base = `https://www.rfc-editor.org/rfc/rfc${number}`
  return section === undefined
    ? { label: `RFC ${number}`, href: base }
    : { label: `RFC ${number} §${section}`, href: `${base}#section-${section}` }
}

/** Documents without an RFC number, cited without a section number where drafts renumber. */
export const documents = {
  oauth21: {
    label: 'OAuth 2.1 draft',
    href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1',
  },
  browserApps: {
    label: 'OAuth 2.0 for Browser-Based Applications (BCP draft)',
    href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps',
  },
  browserAppsBff: {
    label: 'Browser-Based Apps BCP draft, “Backend For Frontend”',
    href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#name-backend-for-frontend-bff',
  },
  fapi2: {
    label: 'FAPI 2.0 Security Profile',
    href: 'https://openid.net/specs/fapi-security-profile-2_0-final.html',
  },
  oidcCodeFlow: {
    label: 'OpenID Connect Core 1.0 §3.1',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth',
  },
  oidcUserInfo: {
    label: 'OpenID Connect Core 1.0 §5.3',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#UserInfo',
  },
  oidcOfflineAccess: {
    label: 'OpenID Connect Core 1.0 §11',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess',
  },
  oidcPrivateKeyJwt: {
    label: 'OpenID Connect Core 1.0 §9',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication',
  },
} as const satisfies Record<string, Source>
