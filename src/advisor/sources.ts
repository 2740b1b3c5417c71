/** Where a reason comes from: a label a person can check and an https link to the text. */
export type Source = { label: string; href: string }

/** An RFC, optionally at a section (`rfc(9700, '2.1.1')` → “RFC 9700 §2.1.1”). */
export function rfc(number: number, section?: string): Source {
  const base = `https://www.rfc-editor.org/rfc/rfc${number}`
  return section === undefined
    ? { label: `RFC ${number}`, href: base }
    : { label: `RFC ${number} §${section}`, href: `${base}#section-${section}` }
}

const fapi2Href = 'https://openid.net/specs/fapi-security-profile-2_0.html'

/** A section of OpenID Connect CIBA Core 1.0 (`ciba('7.1')` → “CIBA Core §7.1”). */
export function ciba(section: string): Source {
  return {
    label: `CIBA Core §${section}`,
    href: `https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.${section}`,
  }
}

/** The MCP authorization specification of protocol revision 2025-11-25; its sections by name. */
const mcpAuthorizationHref =
  'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization'
const mcpSection = (name: string, anchor: string) => ({
  label: `MCP Authorization (2025-11-25), “${name}”`,
  href: `${mcpAuthorizationHref}#${anchor}`,
})

/** Documents without an RFC number, and RFCs cited with their name. */
export const documents = {
  oauth21: {
    label: 'OAuth 2.1 draft',
    href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1',
  },
  /** OAuth 2.0 for Browser-Based Applications, published as RFC 10017 (BCP 212) in August 2026. */
  browserApps: {
    label: 'RFC 10017 (Browser-Based Apps BCP)',
    href: 'https://www.rfc-editor.org/rfc/rfc10017',
  },
  browserAppsBff: {
    label: 'RFC 10017 §6.1 (Backend For Frontend)',
    href: 'https://www.rfc-editor.org/rfc/rfc10017#section-6.1',
  },
  /** Malicious JavaScript can run a new, silent authorization flow of its own. */
  browserAppsNewTokens: {
    label: 'RFC 10017 §5.1.3',
    href: 'https://www.rfc-editor.org/rfc/rfc10017#section-5.1.3',
  },
  browserAppsInMemory: {
    label: 'RFC 10017 §8.4 (in-memory storage)',
    href: 'https://www.rfc-editor.org/rfc/rfc10017#section-8.4',
  },
  fapi2: { label: 'FAPI 2.0 Security Profile', href: fapi2Href },
  /** “shall only support confidential clients”, among the authorization server's general rules. */
  fapi2Confidential: { label: 'FAPI 2.0 Security Profile §5.3.2.1', href: fapi2Href },
  /** Audience of client assertions and assertion grants: the issuer identifier, alone. */
  rfc7523bis: {
    label: 'draft-ietf-oauth-rfc7523bis',
    href: 'https://datatracker.ietf.org/doc/draft-ietf-oauth-rfc7523bis/',
  },
  oidcCodeFlow: {
    label: 'OpenID Connect Core 1.0 §3.1',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth',
  },
  oidcIdTokenValidation: {
    label: 'OpenID Connect Core 1.0 §3.1.3.7',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation',
  },
  oidcUserInfo: {
    label: 'OpenID Connect Core 1.0 §5.3',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#UserInfo',
  },
  oidcOfflineAccess: {
    label: 'OpenID Connect Core 1.0 §11',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess',
  },
  /** The RP sends the browser to the end_session_endpoint. */
  rpInitiatedLogout: {
    label: 'OpenID Connect RP-Initiated Logout 1.0 §2',
    href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout',
  },
  /** post_logout_redirect_uris and where the browser comes back to. */
  rpLogoutRedirect: {
    label: 'OpenID Connect RP-Initiated Logout 1.0 §3',
    href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout',
  },
  /** backchannel_logout_uri: the server tells the RP's backend that a session ended. */
  backChannelLogout: {
    label: 'OpenID Connect Back-Channel Logout 1.0 §2.2',
    href: 'https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRegistration',
  },
  mcpAuthorization: { label: 'MCP Authorization (2025-11-25)', href: mcpAuthorizationHref },
  mcpDiscovery: mcpSection('Authorization Server Discovery', 'authorization-server-discovery'),
  mcpRegistration: mcpSection('Client Registration Approaches', 'client-registration-approaches'),
  mcpResourceParameter: mcpSection(
    'Resource Parameter Implementation',
    'resource-parameter-implementation',
  ),
  mcpTokenPrivilege: mcpSection(
    'Access Token Privilege Restriction',
    'access-token-privilege-restriction',
  ),
  mcpLocalhost: mcpSection('Localhost Redirect URI Risks', 'localhost-redirect-uri-risks'),
  /** OAuth Client ID Metadata Document, the revision the MCP specification names (-00) and later. */
  clientIdMetadataDocument: {
    label: 'Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document)',
    href: 'https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/',
  },
  oidcPrivateKeyJwt: {
    label: 'OpenID Connect Core 1.0 §9',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication',
  },
} as const satisfies Record<string, Source>
