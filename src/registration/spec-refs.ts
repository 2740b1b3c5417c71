/** A citation shown next to a finding or an explanation: label plus a link to the exact section. */
export type SpecRef = { label: string; href: string }

export function rfc(number: number, section: string): SpecRef {
  return {
    label: `RFC ${number} §${section}`,
    href: `https://www.rfc-editor.org/rfc/rfc${number}#section-${section}`,
  }
}

export const oidcRegistration: SpecRef = {
  label: 'OpenID Connect Registration §2',
  href: 'https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata',
}

export const oidcClientAuthentication: SpecRef = {
  label: 'OpenID Connect Core §9',
  href: 'https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication',
}

export const oidcPostLogout: SpecRef = {
  label: 'OpenID Connect RP-Initiated Logout §3.1',
  href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#ClientMetadata',
}

/** OpenID Connect CIBA Core 1.0, numbered sections (`cibaCore('4')` → “CIBA Core §4”). */
export function cibaCore(section: string): SpecRef {
  return {
    label: `CIBA Core §${section}`,
    href: `https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.${section}`,
  }
}
