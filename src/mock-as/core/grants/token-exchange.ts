import type { JWTPayload } from 'jose'
import { type ClientRecord, clientScopes, isInAudience } from '../clients'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { splitSpaceList } from '../http'
import { type AccessTokenRecord, checkAccessToken, createGrant, issueAccessToken } from '../tokens'
import { type GrantDefinition, tokenTypeFor } from './grant-types'

export const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** @see https://www.rfc-editor.org/rfc/rfc8693#section-3 */
export const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token'

/** The downstream service of the demo: a token for it is useless at `/api`, and the other way round. */
export const ordersAudience = 'https://orders.grantlab.example'

/** Where this server lets an exchanged token go: the demo API, and the demo orders service. */
export function exchangeTargets(ctx: ServerContext): string[] {
  return [ctx.resourceAudience, ordersAudience]
}

/**
 * A subject or actor token must be an active access token this server issued (any audience).
 * Anything else is `invalid_request`, as RFC 8693 §2.2.2 says for an invalid or unacceptable
 * token.
 */
async function acceptedToken(
  ctx: ServerContext,
  role: 'subject_token' | 'actor_token',
  token: string | undefined,
  type: string | undefined,
): Promise<{ claims: JWTPayload; record: AccessTokenRecord }> {
  if (token === undefined) throw new OAuthError('invalid_request', `${role} is required.`)
  if (type === undefined) throw new OAuthError('invalid_request', `${role}_type is required.`)
  if (type !== accessTokenType) {
    throw new OAuthError(
      'invalid_request',
      `${role}_type ${type} is not supported: this server exchanges its own access tokens (${accessTokenType}).`,
    )
  }
  const check = await checkAccessToken(ctx, token, { anyAudience: true })
  if (!check.valid) {
    throw new OAuthError(
      'invalid_request',
      `${role} is not an active access token from this server: ${check.reason}`,
    )
  }
  return { claims: check.claims, record: check.record }
}

/**
 * RFC 8693 §2.1 leaves to the server whether this client may exchange this subject token. Ours:
 * only a client the token was meant for (its `aud` names the client, or a resource server the
 * client is configured as) or the client it was issued to. A token that merely passed by, or was
 * stolen, cannot be traded for a new one. Otherwise `invalid_request`: an unacceptable subject
 * token (§2.2.2).
 */
function checkRequesterMayExchange(
  ctx: ServerContext,
  client: ClientRecord,
  subject: AccessTokenRecord,
): void {
  const aud = subject.aud ?? ctx.resourceAudience
  if (subject.clientId === client.client_id || isInAudience(client, aud)) return
  throw new OAuthError(
    'invalid_request',
    `subject_token was issued to ${subject.clientId} for ${typeof aud === 'string' ? aud : aud.join(' ')}; client ${client.client_id} is neither its audience nor its client, so it may not exchange it.`,
  )
}

/**
 * The scope of the new token: within what the subject token holds and what the requesting client
 * registered. Without `scope`, the overlap of the two. Asking for more is `invalid_scope`.
 */
function exchangedScope(
  client: ClientRecord,
  subject: AccessTokenRecord,
  params: Map<string, string>,
): string {
  const held = splitSpaceList(subject.scope)
  const registered = clientScopes(client)
  const requested = params.has('scope')
    ? splitSpaceList(params.get('scope'))
    : held.filter((scope) => registered.includes(scope))
  const beyondSubject = requested.filter((scope) => !held.includes(scope))
  if (beyondSubject.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `The subject token does not cover: ${beyondSubject.join(' ')}; it holds ${held.join(' ')}.`,
    )
  }
  const beyondClient = requested.filter((scope) => !registered.includes(scope))
  if (beyondClient.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `Client ${client.client_id} is not registered for: ${beyondClient.join(' ')}; it may ask for ${registered.join(' ')}.`,
    )
  }
  if (requested.length === 0) {
    throw new OAuthError(
      'invalid_scope',
      `No scope left: the subject token holds ${held.join(' ')}, and client ${client.client_id} is registered for ${registered.join(' ')}.`,
    )
  }
  return requested.join(' ')
}

/** `resource` (RFC 8707, an absolute URI) and `audience` (a name) both become the new `aud`. */
function targetAudience(ctx: ServerContext, params: Map<string, string>): string | string[] {
  const resource = params.get('resource')
  const audience = params.get('audience')
  if (resource !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(resource)
    } catch {
      url = undefined
    }
    if (!url || resource.includes('#')) {
      throw new OAuthError(
        'invalid_target',
        `resource ${resource} must be an absolute URI without a fragment.`,
      )
    }
  }
  const wanted = [...new Set([resource, audience].filter((value) => value !== undefined))]
  if (wanted.length === 0) return ctx.resourceAudience
  const known = exchangeTargets(ctx)
  const unknown = wanted.filter((value) => !known.includes(value))
  if (unknown.length > 0) {
    throw new OAuthError(
      'invalid_target',
      `This server issues no tokens for ${unknown.join(' ')}; known targets: ${known.join(', ')}.`,
    )
  }
  return wanted.length === 1 ? (wanted[0] as string) : wanted
}

/**
 * Token exchange: a client (here a back-end service) trades a token it received, the subject
 * token, for a new one with another audience or a narrower scope. Without an actor token the new
 * token simply speaks for the subject (impersonation); with one, it also names who acts for the
 * subject in an `act` claim (delegation), nesting the subject token's own `act` when it had one.
 * The answer says what it issued in `issued_token_type`; no refresh token.
 * The policy (docs/decisions/057): the client must be the subject token's audience or client;
 * the scope stays within the subject token's and the client's registered scope; the new token
 * never outlives the subject token, and dies with the subject token's grant.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.2.1
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-4.1
 */
export const tokenExchangeGrant: GrantDefinition = {
  grantType: tokenExchangeGrantType,
  allowsPublicClients: false,
  resourceIndicators: true,
  async handle({ ctx, client, params, resources, dpop }) {
    if (resources.length > 1) {
      throw new OAuthError('invalid_target', 'Send at most one resource per token exchange.')
    }
    const requestedType = params.get('requested_token_type')
    if (requestedType !== undefined && requestedType !== accessTokenType) {
      throw new OAuthError(
        'invalid_request',
        `requested_token_type ${requestedType} is not supported: this server issues access tokens (${accessTokenType}).`,
      )
    }
    const actorToken = params.get('actor_token')
    const actorType = params.get('actor_token_type')
    if (actorToken === undefined && actorType !== undefined) {
      throw new OAuthError(
        'invalid_request',
        'actor_token_type must not be sent without actor_token.',
      )
    }
    const subject = await acceptedToken(
      ctx,
      'subject_token',
      params.get('subject_token'),
      params.get('subject_token_type'),
    )
    checkRequesterMayExchange(ctx, client, subject.record)
    const actor =
      actorToken === undefined
        ? undefined
        : await acceptedToken(ctx, 'actor_token', actorToken, actorType)
    const aud = targetAudience(ctx, params)
    const scope = exchangedScope(client, subject.record, params)

    const act =
      actor === undefined
        ? undefined
        : {
            sub: String(actor.claims.sub),
            ...(typeof subject.claims.act === 'object' && subject.claims.act !== null
              ? { act: subject.claims.act as Record<string, unknown> }
              : {}),
          }
    // Derived from the subject token's grant: revoking that grant revokes this token too. A
    // self-contained subject token (client_credentials) has no grant to derive from.
    const grant = await createGrant(ctx, {
      clientId: client.client_id,
      sub: subject.record.sub,
      scope,
      ...(subject.record.grantId === undefined ? {} : { parentGrantId: subject.record.grantId }),
    })
    const issued = await issueAccessToken(ctx, grant, scope, {
      aud,
      ...(act === undefined ? {} : { act }),
      notAfter: subject.record.exp,
      // RFC 9449 §5: bound to the proof's key when the request carried one.
      ...(dpop ? { jkt: dpop.jkt } : {}),
    })
    return {
      access_token: issued.token,
      issued_token_type: accessTokenType,
      token_type: tokenTypeFor(dpop?.jkt),
      expires_in: issued.record.exp - issued.record.iat,
      scope,
    }
  },
}
