import type { ServerContext } from './context'
import { ordersVisibleTo, saveOrder } from './endpoints/resource-server'
import type { AccessTokenRecord } from './tokens'

/** What a tool call gives back: its structured result, or a message for the model to act on. */
export type ToolOutcome =
  | { ok: true; structured: Record<string, unknown>; text: string }
  | { ok: false; message: string }

/**
 * One tool of the demo MCP server, as `tools/list` describes it, plus the scope a token needs to
 * call it (checked before `run`, answered with 403 `insufficient_scope` naming it) and its code.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools
 */
export interface McpTool {
  name: string
  title: string
  description: string
  scope: string
  inputSchema: Record<string, unknown>
  annotations: { readOnlyHint: boolean; destructiveHint: boolean }
  run(
    ctx: ServerContext,
    token: AccessTokenRecord,
    args: Record<string, unknown>,
  ): Promise<ToolOutcome>
}

const orderStatuses = ['placed', 'shipped', 'delivered'] as const

/** Names of arguments the schema does not define (the schemas say additionalProperties: false). */
function unexpected(args: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(args).filter((name) => !allowed.includes(name))
}

export const mcpTools: readonly McpTool[] = [
  {
    name: 'list_orders',
    title: 'List orders',
    description:
      'Lists the orders of the user the access token speaks for, optionally only those with one status.',
    scope: 'orders:read',
    inputSchema: {
      type: 'object',
      properties: {
        status: {
          type: 'string',
          enum: orderStatuses,
          description: 'Only orders with this status.',
        },
      },
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, destructiveHint: false },
    async run(ctx, token, args) {
      const extra = unexpected(args, ['status'])
      if (extra.length > 0) return { ok: false, message: `Unknown argument: ${extra.join(', ')}.` }
      const status = args.status
      if (status !== undefined && !(orderStatuses as readonly unknown[]).includes(status)) {
        return { ok: false, message: `status must be one of ${orderStatuses.join(', ')}.` }
      }
      const orders = (await ordersVisibleTo(ctx, token.sub)).filter(
        (order) => status === undefined || order.status === status,
      )
      const lines = orders.map(
        (order) => `${order.id}: ${order.quantity} × ${order.item} (${order.status})`,
      )
      return {
        ok: true,
        structured: { orders },
        text: orders.length === 0 ? 'No orders.' : lines.join('\n'),
      }
    },
  },
  {
    name: 'place_order',
    title: 'Place an order',
    description: 'Places a new order for the user the access token speaks for.',
    scope: 'orders:write',
    inputSchema: {
      type: 'object',
      properties: {
        item: { type: 'string', minLength: 1, maxLength: 200, description: 'What to order.' },
        quantity: { type: 'integer', minimum: 1, maximum: 1000, default: 1 },
      },
      required: ['item'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(ctx, token, args) {
      const extra = unexpected(args, ['item', 'quantity'])
      if (extra.length > 0) return { ok: false, message: `Unknown argument: ${extra.join(', ')}.` }
      const { item, quantity = 1 } = args
      if (typeof item !== 'string' || item.length === 0 || item.length > 200) {
        return { ok: false, message: 'item must be a string of 1-200 characters.' }
      }
      if (
        typeof quantity !== 'number' ||
        !Number.isInteger(quantity) ||
        quantity < 1 ||
        quantity > 1000
      ) {
        return { ok: false, message: 'quantity must be an integer from 1 to 1000.' }
      }
      const order = await saveOrder(ctx, token.sub, item, quantity)
      return {
        ok: true,
        structured: { order },
        text: `Placed ${order.id}: ${order.quantity} × ${order.item}.`,
      }
    },
  },
]

export function findTool(name: string): McpTool | undefined {
  return mcpTools.find((tool) => tool.name === name)
}

/** A tool as `tools/list` shows it (without the server's own scope and code). */
export function describeTool(tool: McpTool): Record<string, unknown> {
  return {
    name: tool.name,
    title: tool.title,
    description: `${tool.description} Needs the ${tool.scope} scope.`,
    inputSchema: tool.inputSchema,
    annotations: tool.annotations,
  }
}
