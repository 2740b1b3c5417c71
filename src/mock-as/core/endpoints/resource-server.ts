import { requireAccessToken } from '../bearer'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { jsonResponse, mediaType, readBodyText } from '../http'
import { bearerTarget, protectedResource } from '../protected-resources'
import type { CoreRequest, CoreResponse } from '../request-response'

export const apiRealm = 'grantlab-api'

/** The demo API as a protected resource: its audience and its RFC 9728 metadata (challenges). */
const api = (ctx: ServerContext) => bearerTarget(ctx, protectedResource('api'))

const ordersKind = 'orders'

export interface Order {
  id: string
  owner: string
  item: string
  quantity: number
  status: 'placed' | 'shipped' | 'delivered'
  createdAt: string
}

const seedOrders: readonly Order[] = [
  {
    id: 'order-1001',
    owner: 'user-alice',
    item: 'Tea set',
    quantity: 1,
    status: 'delivered',
    createdAt: '2025-01-12T10:00:00.000Z',
  },
  {
    id: 'order-1002',
    owner: 'user-alice',
    item: 'Teacup',
    quantity: 6,
    status: 'shipped',
    createdAt: '2025-02-03T15:30:00.000Z',
  },
  {
    id: 'order-2001',
    owner: 'user-bob',
    item: 'Toolbox',
    quantity: 1,
    status: 'placed',
    createdAt: '2025-02-20T08:15:00.000Z',
  },
]

/**
 * `GET /api/profile`: the demo resource server's view of the user. Needs `profile`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export async function handleProfile(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const token = await requireAccessToken(ctx, request, apiRealm, 'profile', api(ctx))
  const user = ctx.directory.userBySub(token.sub)
  if (!user) throw new OAuthError('not_found', 'The token is not for a user.')
  return jsonResponse({
    sub: user.sub,
    username: user.username,
    name: user.claims.name,
    email: user.claims.email,
    client_id: token.clientId,
    scope: token.scope,
  })
}

/**
 * The orders a token may read: those of its subject, found through the store's owner index, so
 * a request never reads every order. A user's token (any grant that acts for a user) sees that
 * user's orders. A service's own token (client_credentials: `sub` is its client_id) sees only
 * the orders that service placed itself, never a user's: reading alice's orders needs alice's
 * authorization, which only a grant with alice in it carries (docs/decisions/074).
 */
export async function ordersVisibleTo(ctx: ServerContext, sub: string): Promise<Order[]> {
  const created = await ctx.deps.store.listBy<Order>(ordersKind, 'owner', sub)
  const seeded = seedOrders.filter((order) => order.owner === sub)
  return [...seeded, ...created].sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/** `GET /api/orders`: needs `orders:read`. */
export async function handleListOrders(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const token = await requireAccessToken(ctx, request, apiRealm, 'orders:read', api(ctx))
  return jsonResponse({ orders: await ordersVisibleTo(ctx, token.sub) })
}

/** `POST /api/orders` with an optional JSON body `{item, quantity}`: needs `orders:write`. */
export async function handleCreateOrder(
  request: CoreRequest,
  ctx: ServerContext,
): Promise<CoreResponse> {
  const token = await requireAccessToken(ctx, request, apiRealm, 'orders:write', api(ctx))
  const text = await readBodyText(request, 'invalid_request')
  let input: { item?: unknown; quantity?: unknown } = {}
  if (text.trim() !== '') {
    if (mediaType(request) !== 'application/json') {
      throw new OAuthError('invalid_request', 'Send the order as application/json.')
    }
    try {
      input = JSON.parse(text)
    } catch {
      throw new OAuthError('invalid_request', 'The body is not valid JSON.')
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new OAuthError('invalid_request', 'The body must be a JSON object.')
    }
  }
  const item = input.item ?? 'Sample item'
  const quantity = input.quantity ?? 1
  if (typeof item !== 'string' || item.length === 0 || item.length > 200) {
    throw new OAuthError('invalid_request', 'item must be a string of 1-200 characters.')
  }
  if (
    typeof quantity !== 'number' ||
    !Number.isInteger(quantity) ||
    quantity < 1 ||
    quantity > 1000
  ) {
    throw new OAuthError('invalid_request', 'quantity must be an integer from 1 to 1000.')
  }
  return jsonResponse(await saveOrder(ctx, token.sub, item, quantity), 201)
}

/** Places a checked order for `owner` (the API and the MCP server's place_order tool). */
export async function saveOrder(
  ctx: ServerContext,
  owner: string,
  item: string,
  quantity: number,
): Promise<Order> {
  const order: Order = {
    id: `order-${ctx.randomId(6)}`,
    owner,
    item,
    quantity,
    status: 'placed',
    createdAt: new Date(ctx.deps.clock.now()).toISOString(),
  }
  await ctx.deps.store.put(ordersKind, order.id, order, { indexes: { owner: order.owner } })
  return order
}
