import { type CoreResponse, PlainResponse } from './request-response'

/**
 * The few JSON-RPC 2.0 pieces the MCP server needs: its error codes and the shape of its answers.
 * MCP sends every message as one JSON-RPC object per HTTP POST (no batches since MCP 2025-06-18).
 * @see https://www.jsonrpc.org/specification#error_object
 */
export const rpcErrors = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** The range -32000 to -32099 is left to servers: this one refuses a request from another origin. */
  forbiddenOrigin: -32000,
} as const

/** A request id as MCP allows it: a string or an integer, never null (MCP "Requests"). */
export type RpcId = string | number

export function isRpcId(value: unknown): value is RpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))
}

const headers = {
  'Content-Type': 'application/json;charset=UTF-8',
  'Cache-Control': 'no-store',
}

/** A JSON-RPC response with a result. */
export function rpcResult(id: RpcId, result: unknown): CoreResponse {
  return new PlainResponse(JSON.stringify({ jsonrpc: '2.0', id, result }), { status: 200, headers })
}

/**
 * A JSON-RPC error response. `id` is null when the request's id could not be read (a body that is
 * not JSON, not an object, or has no valid id). `status` is the HTTP status: 200 for an error about
 * a well-formed request, an HTTP error when the server cannot accept the input at all (MCP
 * transports, "Sending Messages to the Server").
 */
export function rpcError(
  status: number,
  id: RpcId | null,
  code: number,
  message: string,
  data?: unknown,
): CoreResponse {
  const error = data === undefined ? { code, message } : { code, message, data }
  return new PlainResponse(JSON.stringify({ jsonrpc: '2.0', id, error }), { status, headers })
}
