import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import type { ClientRecord } from './clients'
import type { ServerContext } from './context'
import { OAuthError } from './errors'

/**
 * Who a backchannel authentication request is for. CIBA Core §7.1 requires exactly one of three
 * hints; this server (docs/decisions/110):
 * - `login_hint`: a username of this server (`alice`), the way a call-centre agent types what the
 *   caller tells them;
 * - `id_token_hint`: an ID token this server signed for this same client, expired or not (a
 *   client keeps the ID token of an earlier sign-in to name the user again later);
 * - `login_hint_token`: refused. Its format is left to each deployment, and this one defines none.
 * A hint that names nobody is `unknown_user_id`; a malformed one, or none, or two, `invalid_request`.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.1
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.7.2
 */
export async function resolveCibaUser(
  ctx: ServerContext,
  client: ClientRecord,
  params: Map<string, string>,
): Promise<string> {
  const hints = (['login_hint', 'id_token_hint', 'login_hint_token'] as const).filter((name) =>
    params.has(name),
  )
  if (hints.length !== 1) {
    throw new OAuthError(
      'invalid_request',
      hints.length === 0
        ? 'Send exactly one hint that names the user: login_hint (a username) or id_token_hint (CIBA Core section 7.1).'
        : `Send exactly one hint that names the user, not ${hints.join(' and ')} (CIBA Core section 7.1).`,
    )
  }
  const [hint] = hints
  const value = params.get(hint as string) as string
  if (hint === 'login_hint_token') {
    throw new OAuthError(
      'invalid_request',
      'login_hint_token is not supported here: its format is deployment-specific and this server defines none. Send login_hint with a username, or id_token_hint.',
    )
  }
  if (hint === 'login_hint') {
    const user = value.length <= 100 ? ctx.directory.userByUsername(value) : undefined
    if (!user) throw new OAuthError('unknown_user_id', 'login_hint names no user of this server.')
    return user.sub
  }
  return subjectOfIdTokenHint(ctx, client, value)
}

/**
 * The `sub` of an ID token this server issued to `client`: signature with one of our keys, `typ`
 * JWT, `iss` this issuer, `aud` this client. Its `exp` is not checked: the hint only names a user
 * the client already knows, and says nothing about a current sign-in.
 */
async function subjectOfIdTokenHint(
  ctx: ServerContext,
  client: ClientRecord,
  token: string,
): Promise<string> {
  const refuse = (why: string) =>
    new OAuthError('invalid_request', `id_token_hint is not usable: ${why}`)
  if (token.length > 8192) throw refuse('it is too long to be an ID token of this server.')
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw refuse('it is not a JWT.')
  }
  if (header.typ !== 'JWT' || (header.alg !== 'RS256' && header.alg !== 'ES256')) {
    throw refuse('it is not an ID token of this server.')
  }
  const keys = await ctx.deps.keys.signingKeys()
  let claims: Record<string, unknown>
  try {
    const { payload } = await compactVerify(
      token,
      createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) }),
      { algorithms: ['RS256', 'ES256'] },
    )
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
  } catch {
    throw refuse('its signature is not one of this server.')
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud
  if (claims.iss !== ctx.issuer) throw refuse('it was issued by another server.')
  if (!Array.isArray(audiences) || !audiences.includes(client.client_id)) {
    throw refuse('it was issued to another client.')
  }
  if (typeof claims.sub !== 'string' || !ctx.directory.userBySub(claims.sub)) {
    throw new OAuthError('unknown_user_id', 'id_token_hint names no user of this server.')
  }
  return claims.sub
}
