/** A pointer into a specification: what the UI shows and where the link goes. */
export interface SpecRef {
  label: string
  href: string
}

/**
 * An RFC section, e.g. `rfc(6749, '4.1.3')` → "RFC 6749 §4.1.3". Without a section it links the
 * whole document. Appendices use their letter (`rfc(7636, 'B')` → `#appendix-B`).
 * @see https://www.rfc-editor.org/
 */
export function rfc(number: number, section?: string): SpecRef {
  const base = `https://www.rfc-editor.org/rfc/rfc${number}`
  if (!section) return { label: `RFC ${number}`, href: `${base}.html` }
  const isAppendix = /^[A-Z]/.test(section)
  const anchor = isAppendix ? `appendix-${section}` : `section-${section}`
  return { label: `RFC ${number} §${section}`, href: `${base}#${anchor}` }
}

const openIdDocuments = {
  Core: 'openid-connect-core-1_0',
  Discovery: 'openid-connect-discovery-1_0',
  Registration: 'openid-connect-registration-1_0',
  'RP-Initiated Logout': 'openid-connect-rpinitiated-1_0',
  'Back-Channel Logout': 'openid-connect-backchannel-1_0',
} as const

export type OpenIdDocument = keyof typeof openIdDocuments

/**
 * A section of an OpenID Connect specification, e.g.
 * `oidc('Core', '3.1.3.7', 'IDTokenValidation')` → "OIDC Core §3.1.3.7". OpenID pages use named
 * anchors rather than section numbers, so the anchor is passed separately.
 */
export function oidc(document: OpenIdDocument, section: string, anchor?: string): SpecRef {
  const base = `https://openid.net/specs/${openIdDocuments[document]}.html`
  return {
    label: `OIDC ${document} §${section}`,
    href: anchor ? `${base}#${anchor}` : base,
  }
}

/** An Internet-Draft, linked on the datatracker (drafts renumber, so no section). */
export function draft(name: string, label = name): SpecRef {
  return { label, href: `https://datatracker.ietf.org/doc/${name}/` }
}

/**
 * Updates RFC 7521, 7522, 7523 and 9126: the `aud` of a client assertion or an assertion grant
 * is the authorization server's issuer identifier, as its only value.
 */
export const rfc7523bis = draft(
  'draft-ietf-oauth-rfc7523bis',
  'RFC 7523 update (draft-ietf-oauth-rfc7523bis)',
)

/**
 * A section of the FAPI 2.0 Security Profile (final, February 2025), e.g. `fapi2('5.3.2.2')` →
 * "FAPI 2.0 §5.3.2.2". The link opens the document; the label names the section.
 */
export function fapi2(section: string): SpecRef {
  return {
    label: `FAPI 2.0 §${section}`,
    href: 'https://openid.net/specs/fapi-security-profile-2_0-final.html',
  }
}

/**
 * A section of OpenID Connect Client-Initiated Backchannel Authentication Flow - Core 1.0, e.g.
 * `ciba('7.1')` → "CIBA Core §7.1". Its page numbers its anchors `rfc.section.N`.
 */
export function ciba(section: string): SpecRef {
  return {
    label: `CIBA Core §${section}`,
    href: `https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.${section}`,
  }
}

const mcpDocuments = {
  authorization: 'basic/authorization',
  transports: 'basic/transports',
  lifecycle: 'basic/lifecycle',
  tools: 'server/tools',
} as const

/**
 * A section of the Model Context Protocol specification, revision 2025-11-25, by its heading (its
 * pages number sections only when rendered), e.g. `mcp('authorization', 'Resource Parameter
 * Implementation', 'resource-parameter-implementation')`.
 */
export function mcp(document: keyof typeof mcpDocuments, section: string, anchor: string): SpecRef {
  const title = document.charAt(0).toUpperCase() + document.slice(1)
  return {
    label: `MCP ${title} (2025-11-25): ${section}`,
    href: `https://modelcontextprotocol.io/specification/2025-11-25/${mcpDocuments[document]}#${anchor}`,
  }
}

/** OAuth Client ID Metadata Document, by draft revision and section (sections moved in -02). */
export function clientIdMetadataDocument(section: string): SpecRef {
  return {
    label: `Client ID Metadata Document draft-01 §${section}`,
    href: `https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-${section}`,
  }
}
