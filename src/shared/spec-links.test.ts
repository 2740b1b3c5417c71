import { expect, test } from 'vitest'
import { ciba, clientIdMetadataDocument, mcp, oidc, rfc } from './spec-links.ts'

test('rfc() links a numbered section of the RFC Editor copy', () => {
  expect(rfc(6749, '4.1.3')).toEqual({
    label: 'RFC 6749 §4.1.3',
    href: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3',
  })
})

test('rfc() links appendices by letter and whole documents without a section', () => {
  expect(rfc(7636, 'B').href).toBe('https://www.rfc-editor.org/rfc/rfc7636#appendix-B')
  expect(rfc(9700)).toEqual({
    label: 'RFC 9700',
    href: 'https://www.rfc-editor.org/rfc/rfc9700.html',
  })
})

test('oidc() uses the named anchor of the OpenID page', () => {
  expect(oidc('Core', '3.1.3.7', 'IDTokenValidation')).toEqual({
    label: 'OIDC Core §3.1.3.7',
    href: 'https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation',
  })
})

test('the Browser-Based Apps BCP is RFC 10017 and links like any RFC', () => {
  expect(rfc(10017, '6.1')).toEqual({
    label: 'RFC 10017 §6.1',
    href: 'https://www.rfc-editor.org/rfc/rfc10017#section-6.1',
  })
})

test('oidc() links the logout specifications by their names', () => {
  expect(oidc('RP-Initiated Logout', '2', 'RPLogout')).toEqual({
    label: 'OIDC RP-Initiated Logout §2',
    href: 'https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout',
  })
  expect(oidc('Back-Channel Logout', '2.6', 'Validation').href).toBe(
    'https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation',
  )
})
test('ciba() links a numbered section of CIBA Core 1.0', () => {
  expect(ciba('7.1')).toEqual({
    label: 'CIBA Core §7.1',
    href: 'https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.1',
  })
})

test('mcp() links a section of the 2025-11-25 MCP specification by its heading anchor', () => {
  expect(
    mcp('authorization', 'Resource Parameter Implementation', 'resource-parameter-implementation'),
  ).toEqual({
    label: 'MCP Authorization (2025-11-25): Resource Parameter Implementation',
    href: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#resource-parameter-implementation',
  })
  expect(mcp('tools', 'Calling Tools', 'calling-tools').href).toBe(
    'https://modelcontextprotocol.io/specification/2025-11-25/server/tools#calling-tools',
  )
})

test('clientIdMetadataDocument() names the draft revision its section numbers belong to', () => {
  expect(clientIdMetadataDocument('4.1')).toEqual({
    label: 'Client ID Metadata Document draft-01 §4.1',
    href: 'https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-01#section-4.1',
  })
})
