// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this file writes JavaScript source, template literals included
import type { ClientMetadata } from '../client-metadata.ts'
import { clientAssertionType } from './platform-assertion.ts'

/**
 * The part of the node-oidc-provider module that lets a workload authenticate with the JWT its
 * platform issued (RFC 7523 §2.2, §3; docs/decisions/135). oidc-provider's own `private_key_jwt`
 * is OpenID Connect's (Core §9): it refuses an assertion whose `iss` is not the client_id, and a
 * platform's JWT has the platform as `iss`. So the module checks such a JWT itself, before
 * oidc-provider sees the request, and when it holds, vouches for the client with an assertion
 * signed by a key only this process has; the client entry registers that key, so oidc-provider
 * then authenticates the client with its own checks, DPoP and replay detection included. Until a
 * platform is named (`assertionPlatform`), the client signs its own assertions with the key at its
 * `jwks_uri` (or in its `jwks`), which oidc-provider checks unaided.
 */

/** The most a platform JWT may still have to live when it arrives, in seconds. */
export const platformAssertionMaxLifetime = 3600

/** The example in the comment: a placeholder issuer, and the key set the client registered. */
function examplePlatform(metadata: ClientMetadata): { issuer: string; jwksUri: string } {
  return {
    issuer: 'https://platform.example.com',
    jwksUri: metadata.jwks_uri ?? 'https://platform.example.com/.well-known/jwks.json',
  }
}

/** jose names the section uses. */
export const platformJoseNames = [
  'createRemoteJWKSet',
  'decodeJwt',
  'exportJWK',
  'generateKeyPair',
  'jwtVerify',
  'SignJWT',
]

/**
 * Source lines that come before `export const client`: the platform setting, the key the
 * module vouches with, and `clientKeys`, the entry's keys in either mode.
 * @param registeredKeys the client's own keys as a JavaScript literal (`{ jwks_uri: …, … }`),
 *   indented for its place after `: `
 */
export function platformSection(metadata: ClientMetadata, registeredKeys: string): string[] {
  const example = examplePlatform(metadata)
  const alg = metadata.token_endpoint_auth_signing_alg ?? 'RS256'
  return [
    "// ——— Who signs this client's assertions (private_key_jwt, RFC 7523 §2.2, §3) ———",
    '// null: the client itself, with the private key whose public half is registered below;',
    '// oidc-provider checks those assertions as OpenID Connect Core §9 says (iss = sub = client_id).',
    '// A workload whose platform (Kubernetes, a cloud, a CI system) issues it a JWT sends that JWT',
    "// instead: its iss is the platform and its sub the client_id, which oidc-provider's own check",
    '// refuses. For that, name the platform here, give the client the workload’s identity as',
    "// client_id (the JWT's sub), and call `await setup(provider)` before serving:",
    '//',
    '// export const assertionPlatform = {',
    `//   issuer: '${example.issuer}', // the platform's iss, exactly as its JWTs carry it`,
    `//   jwksUri: '${example.jwksUri}',`,
    `//   algorithms: ['${alg}'],`,
    '// }',
    'export const assertionPlatform = null',
    '',
    '// With a platform named, the client entry registers a key this process makes at start and',
    "// never shows: setup(provider) checks the platform's JWT, then vouches for the client with an",
    '// assertion signed by that key, which oidc-provider checks as it checks any client assertion.',
    '// Without setup(provider) nothing can sign with it, so no request authenticates: it fails closed.',
    "const vouchingKey = assertionPlatform ? await generateKeyPair('ES256') : undefined",
    'const clientKeys = vouchingKey',
    '  ? {',
    "      jwks: { keys: [{ ...(await exportJWK(vouchingKey.publicKey)), kid: 'vouching-key', alg: 'ES256', use: 'sig' }] },",
    "      token_endpoint_auth_signing_alg: 'ES256',",
    '    }',
    `  : ${registeredKeys}`,
  ]
}

/** Source lines after the client: the check of the platform's JWT and the middleware. */
export function platformHandlers(): string[] {
  return [
    '// ——— Client authentication with the platform’s JWT ———',
    `const clientAssertionType = '${clientAssertionType}'`,
    `const platformAssertionMaxLifetime = ${platformAssertionMaxLifetime} // seconds`,
    'let platformKeys',
    '',
    '/**',
    " * The platform's JWT, checked as RFC 7523 §3 says: signed with one of the platform's keys, iss the",
    " * platform, sub this client's id, aud this server's issuer identifier alone",
    ' * (draft-ietf-oauth-rfc7523bis), exp required and at most an hour away. This module lets the same',
    ' * JWT be used again until it expires: platforms hand one JWT out until they renew it, and a DPoP',
    ' * nonce retry sends it twice. RFC 7523 §3 lets a server refuse a jti it has seen; this one does not,',
    ' * and bounds the JWT by its aud and its lifetime instead. Returns an assertion signed with the',
    ' * vouching key, or undefined when the JWT is not the platform’s or does not hold.',
    ' */',
    'async function vouchForPlatformAssertion(provider, assertion) {',
    '  let claims',
    '  try {',
    '    claims = decodeJwt(assertion)',
    '  } catch {',
    '    return undefined',
    '  }',
    "  // Not the platform's JWT for this client: oidc-provider checks it as it checks any assertion.",
    '  if (claims.iss !== assertionPlatform.issuer || claims.sub !== client.client_id) return undefined',
    '  platformKeys ??= createRemoteJWKSet(new URL(assertionPlatform.jwksUri))',
    '  try {',
    '    const { payload } = await jwtVerify(assertion, platformKeys, {',
    '      issuer: assertionPlatform.issuer,',
    '      subject: client.client_id,',
    '      algorithms: assertionPlatform.algorithms,',
    "      requiredClaims: ['exp'],",
    '      clockTolerance: 5,',
    '    })',
    "    if (payload.aud !== provider.issuer) throw new Error('aud must be this issuer alone')",
    '    if (payload.exp - Date.now() / 1000 > platformAssertionMaxLifetime + 5) {',
    "      throw new Error('the JWT lives longer than this server accepts')",
    '    }',
    '  } catch {',
    '    // oidc-provider then refuses the JWT as it came: invalid_client (RFC 6749 §5.2).',
    '    return undefined',
    '  }',
    '  return new SignJWT({ jti: crypto.randomUUID() })',
    "    .setProtectedHeader({ alg: 'ES256', kid: 'vouching-key' })",
    '    .setIssuer(client.client_id)',
    '    .setSubject(client.client_id)',
    '    .setAudience(provider.issuer)',
    '    .setIssuedAt()',
    "    .setExpirationTime('1 minute')",
    '    .sign(vouchingKey.privateKey)',
    '}',
    '',
    '/**',
    " * Runs before oidc-provider's own middleware (provider.use): at the token endpoint, a checked",
    ' * platform JWT in client_assertion is replaced with the vouching assertion; everything else in',
    ' * the request stays as it came. Bodies are read up to oidc-provider’s own limit (56 KB).',
    ' */',
    'function platformClientAuthentication(provider) {',
    "  const tokenPath = provider.pathFor('token', { mountPath: '' })",
    '  return async (ctx, next) => {',
    '    const length = ctx.request.length',
    '    if (',
    "      ctx.method !== 'POST' ||",
    '      ctx.path !== tokenPath ||',
    "      !ctx.is('application/x-www-form-urlencoded') ||",
    '      !(length > 0 && length <= 56 * 1024)',
    '    ) {',
    '      return next()',
    '    }',
    '    const chunks = []',
    '    for await (const chunk of ctx.req) chunks.push(chunk)',
    "    const text = Buffer.concat(chunks).toString('utf8')",
    '    const params = new URLSearchParams(text)',
    "    const assertions = params.getAll('client_assertion')",
    '    const vouched =',
    "      assertions.length === 1 && params.get('client_assertion_type') === clientAssertionType",
    '        ? await vouchForPlatformAssertion(provider, assertions[0])',
    '        : undefined',
    "    if (vouched) params.set('client_assertion', vouched)",
    '    // oidc-provider takes a body read before it from req.body (and says so once in its log).',
    '    ctx.req.body = vouched ? params.toString() : text',
    '    return next()',
    '  }',
    '}',
  ]
}

/** The line setup(provider) runs. */
export const platformSetupLine =
  'if (assertionPlatform) provider.use(platformClientAuthentication(provider))'
