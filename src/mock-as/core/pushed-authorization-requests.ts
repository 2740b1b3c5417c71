import type { PendingAuthorization } from './authorization-request'
import { lifetimes, type ServerContext } from './context'

/**
 * How long a `request_uri` from `/as/par` can be used. RFC 9126 §2.2 suggests a short lifetime
 * (its example uses 60 s): the client redirects the browser right after pushing.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 */
export const pushedRequestLifetime = 60

export const requestUriPrefix = 'urn:ietf:params:oauth:request_uri:'

const pushedRequestsKind = 'pushed-authorization-requests'

/** A validated authorization request pushed by a client, kept until it is used or expires. */
export interface PushedAuthorizationRequest {
  requestUri: string
  clientId: string
  expiresAt: number
  /** The validated request, as `/as/authorize` would have built it (its id is replaced on use). */
  authorization: PendingAuthorization
}

export async function savePushedRequest(
  ctx: ServerContext,
  authorization: PendingAuthorization,
): Promise<PushedAuthorizationRequest> {
  const record: PushedAuthorizationRequest = {
    requestUri: `${requestUriPrefix}${ctx.randomId(32)}`,
    clientId: authorization.clientId,
    expiresAt: ctx.nowSeconds() + pushedRequestLifetime,
    authorization,
  }
  await ctx.deps.store.put(pushedRequestsKind, record.requestUri, record, {
    expiresAt: record.expiresAt + lifetimes.expiredGrace,
  })
  return record
}

/**
 * Takes a pushed request out of the store for `/as/authorize`: it must be known, unexpired and
 * pushed by the same client. A used or expired one is deleted, so each `request_uri` works once.
 * Returns why it cannot be used, as text for the error page, or the request with a fresh id and
 * lifetime for the login and consent pages.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export async function consumePushedRequest(
  ctx: ServerContext,
  requestUri: string,
  clientId: string,
): Promise<PendingAuthorization | string> {
  return ctx.withLock(`par:${requestUri}`, async () => {
    const record = await ctx.deps.store.get<PushedAuthorizationRequest>(
      pushedRequestsKind,
      requestUri,
    )
    if (!record) return 'request_uri is unknown or was already used.'
    const now = ctx.nowSeconds()
    if (record.expiresAt <= now) {
      await ctx.deps.store.delete(pushedRequestsKind, requestUri)
      return 'request_uri has expired. Push the authorization request again.'
    }
    // A request_uri presented by another client is refused but not spent, so a client that only
    // learnt it cannot cancel the real client's request.
    if (record.clientId !== clientId) return 'request_uri was not issued to this client_id.'
    await ctx.deps.store.delete(pushedRequestsKind, requestUri)
    return {
      ...record.authorization,
      id: ctx.randomId(32),
      createdAt: now,
      expiresAt: now + lifetimes.pendingRequest,
    }
  })
}
