import { lifetimes, type ServerContext } from './context'

/**
 * Backchannel authentication requests (OpenID Connect CIBA Core 1.0, poll mode): one store record
 * per request, keyed by its `auth_req_id`, with two secondary keys: the user it is for (the
 * authentication device's page lists them) and a random page handle (its Allow and Deny forms
 * name the request by it, never by the `auth_req_id`, which is the client's credential at the
 * token endpoint). Everything lives in the store: the service worker may be stopped between any
 * two requests (docs/decisions/110, 112).
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html
 */
export const cibaRequestsKind = 'ciba-requests'

export const cibaGrantType = 'urn:openid:params:grant-type:ciba'

/** The only token delivery mode this server implements (CIBA Core §5). */
export const cibaDeliveryModes = ['poll'] as const

/** Lifetimes and polling rules, in seconds. */
export const cibaTimes = {
  /** `expires_in` when the client sends no `requested_expiry`. */
  defaultLifetime: 600,
  /** The longest `expires_in` a `requested_expiry` can get (a larger one is cut to this). */
  maxLifetime: 1800,
  /** The polling interval every request starts with (`interval`). */
  initialInterval: 5,
  /** What `slow_down` adds to the interval, for that poll and every later one (CIBA Core §11). */
  slowDownStep: 5,
} as const

/**
 * At most this many requests of one client may wait for one user at a time. A client that keeps
 * asking (to wear the user down until they tap Allow) is refused with `access_denied` until the
 * user decides or the requests expire; other clients' requests for that user are not held up.
 */
export const maxPendingPerClientAndUser = 5

/**
 * - `pending`: the user has not decided on the authentication device yet.
 * - `approved` / `denied`: the user decided; the client's next poll learns it.
 * - `redeemed`: a poll got the tokens; the `auth_req_id` is spent.
 */
export type CibaRequestStatus = 'pending' | 'approved' | 'denied' | 'redeemed'

export interface CibaRequestRecord {
  authReqId: string
  /** Random, for the device page's forms only (see above). */
  handle: string
  clientId: string
  /** The user the request is for, from `login_hint` or `id_token_hint`. */
  sub: string
  scopes: string[]
  bindingMessage?: string
  createdAt: number
  expiresAt: number
  /** Seconds the client must wait between two polls; grows by 5 with each `slow_down`. */
  interval: number
  /** Milliseconds since the epoch of the last token request with this `auth_req_id`. */
  lastPolledAt?: number
  status: CibaRequestStatus
  /** When the user signed in on the authentication device (the ID token's `auth_time`). */
  authTime?: number
  /** The grant created when the request was redeemed. */
  grantId?: string
}

/** Stores a new request; it may be purged a while after it expired (a redeemed one lives longer). */
export async function saveCibaRequest(
  ctx: ServerContext,
  record: CibaRequestRecord,
): Promise<void> {
  await ctx.deps.store.put(cibaRequestsKind, record.authReqId, record, {
    expiresAt: record.expiresAt + lifetimes.expiredGrace,
    indexes: { sub: record.sub, handle: record.handle },
  })
}

/** The requests still waiting for this user, oldest first. */
export async function pendingRequestsFor(
  ctx: ServerContext,
  sub: string,
): Promise<CibaRequestRecord[]> {
  const now = ctx.nowSeconds()
  const records = await ctx.deps.store.listBy<CibaRequestRecord>(cibaRequestsKind, 'sub', sub)
  return records
    .filter((record) => record.status === 'pending' && record.expiresAt > now)
    .sort((a, b) => a.createdAt - b.createdAt || a.handle.localeCompare(b.handle))
}

export async function findByHandle(
  ctx: ServerContext,
  handle: string,
): Promise<CibaRequestRecord | undefined> {
  const [record] = await ctx.deps.store.listBy<CibaRequestRecord>(
    cibaRequestsKind,
    'handle',
    handle,
  )
  return record
}

/**
 * Records the user's decision, atomically and under the request's lock, and only while the request
 * is still pending, unexpired and for this user: a poll running at the same moment cannot write a
 * stale copy back over it (polls change only their polling fields, see `grants/ciba.ts`), and a
 * second click finds it decided. Resolves to whether the decision was recorded.
 * @see https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html#rfc.section.8
 */
export function decideCibaRequest(
  ctx: ServerContext,
  authReqId: string,
  decision: { sub: string } & ({ approved: true; authTime: number } | { approved: false }),
): Promise<boolean> {
  return ctx.withLock(`ciba:${authReqId}`, async () => {
    let decided = false
    await ctx.deps.store.update<CibaRequestRecord>(cibaRequestsKind, authReqId, (current) => {
      if (
        current?.status !== 'pending' ||
        current.sub !== decision.sub ||
        current.expiresAt <= ctx.nowSeconds()
      ) {
        return undefined
      }
      decided = true
      return {
        put: decision.approved
          ? { ...current, status: 'approved', authTime: decision.authTime }
          : { ...current, status: 'denied' },
      }
    })
    return decided
  })
}

/**
 * The visit of one authentication-device page: the Allow and Deny forms on it carry this random
 * token, bound to the signed-in user and (cookie mode) to the browser that was shown the page
 * (`browser-binding.ts`, docs/decisions/070, 111).
 */
export const cibaVisitsKind = 'ciba-visits'

export interface CibaVisitRecord {
  sub: string
  expiresAt: number
  browserId?: string
}

export async function createCibaVisit(
  ctx: ServerContext,
  sub: string,
  browserId: string | undefined,
): Promise<string> {
  const token = ctx.randomId(32)
  const expiresAt = ctx.nowSeconds() + lifetimes.pendingRequest
  await ctx.deps.store.put<CibaVisitRecord>(
    cibaVisitsKind,
    token,
    { sub, expiresAt, ...(browserId === undefined ? {} : { browserId }) },
    { expiresAt },
  )
  return token
}

export async function findCibaVisit(
  ctx: ServerContext,
  token: string | undefined,
): Promise<CibaVisitRecord | undefined> {
  if (!token || !/^[A-Za-z0-9_-]{1,100}$/.test(token)) return undefined
  const visit = await ctx.deps.store.get<CibaVisitRecord>(cibaVisitsKind, token)
  return visit && visit.expiresAt > ctx.nowSeconds() ? visit : undefined
}
