import { requireAccessToken, requireScope } from '../bearer'
import type { ServerContext } from '../context'
import { OAuthError } from '../errors'
import { emptyResponse, mediaType, readBodyText } from '../http'
import { isRpcId, type RpcId, rpcError, rpcErrors, rpcResult } from '../json-rpc'
import { describeTool, findTool, mcpTools } from '../mcp-tools'
import { bearerTarget, protectedResource } from '../protected-resources'
import type { CoreRequest, CoreResponse } from '../request-response'
import type { AccessTokenRecord } from '../tokens'

export const mcpRealm = 'grantlab-mcp'

/**
 * The MCP protocol versions this server speaks; the first is the one it offers when a client asks
 * for one it does not know (MCP lifecycle, "Version Negotiation").
 */
export const mcpProtocolVersions = ['2025-11-25', '2025-06-18', '2025-03-26'] as const

const serverInfo = { name: 'grantlab-mcp', title: 'Grantlab demo MCP server', version: '1.0.0' }

type Message = Record<string, unknown>

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * `POST /mcp`: a small MCP server over the Streamable HTTP transport, answering each JSON-RPC
 * message with one JSON object (no SSE stream: `GET /mcp` is 405, as the transport allows). It is
 * an OAuth protected resource of its own (docs/decisions/120), in this order:
 * 1. An `Origin` other than this server's, the app's or one the host allows for CORS (`--cors`,
 *    docs/decisions/116) is refused with 403 (DNS rebinding; MCP transports, "Security Warning").
 * 2. The bearer token must be valid and meant for `/mcp` (its `aud`, RFC 8707 §2): otherwise 401
 *    with `WWW-Authenticate: Bearer … resource_metadata="…/.well-known/oauth-protected-resource/mcp"`
 *    (RFC 9728 §5.1). A token for `/api` is refused here, and this server never passes a token on.
 * 3. An `MCP-Protocol-Version` header it does not speak is 400.
 * 4. The body must be one JSON-RPC 2.0 object: not JSON → -32700, a batch or not a request →
 *    -32600 (HTTP 400); a notification is accepted with 202 and no body.
 * 5. `initialize`, `ping`, `tools/list`, `tools/call`; any other method -32601, bad params -32602.
 *    `tools/call` needs the tool's scope: without it, 403 `insufficient_scope` naming it (RFC 6750
 *    §3.1). Bad arguments are a tool result with `isError: true`, which a model can act on.
 * It keeps no session: every request carries its token, and each is answered on its own.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
export async function handleMcp(request: CoreRequest, ctx: ServerContext): Promise<CoreResponse> {
  const origin = request.headers.get('origin')
  if (
    origin !== null &&
    origin !== ctx.origin &&
    origin !== ctx.deps.appOrigin &&
    !ctx.deps.cors?.allows(origin)
  ) {
    return rpcError(
      403,
      null,
      rpcErrors.forbiddenOrigin,
      `Requests from the origin ${origin} are not accepted by this MCP server.`,
    )
  }
  const target = bearerTarget(ctx, protectedResource('mcp'))
  const token = await requireAccessToken(ctx, request, mcpRealm, undefined, target)

  const version = request.headers.get('mcp-protocol-version')
  if (version !== null && !(mcpProtocolVersions as readonly string[]).includes(version)) {
    return rpcError(
      400,
      null,
      rpcErrors.invalidRequest,
      `MCP-Protocol-Version ${version} is not supported; this server speaks ${mcpProtocolVersions.join(', ')}.`,
    )
  }
  if (mediaType(request) !== 'application/json') {
    return rpcError(
      415,
      null,
      rpcErrors.invalidRequest,
      'Send the JSON-RPC message as application/json.',
    )
  }
  let text: string
  try {
    text = await readBodyText(request, 'invalid_request')
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return rpcError(400, null, rpcErrors.invalidRequest, error.description)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return rpcError(400, null, rpcErrors.parseError, 'The body is not valid JSON.')
  }
  if (Array.isArray(parsed)) {
    return rpcError(
      400,
      null,
      rpcErrors.invalidRequest,
      'JSON-RPC batches are not supported: send one message per request.',
    )
  }
  if (!isObject(parsed) || parsed.jsonrpc !== '2.0') {
    return rpcError(
      400,
      null,
      rpcErrors.invalidRequest,
      'The body must be a JSON-RPC 2.0 object ("jsonrpc": "2.0").',
    )
  }
  const message: Message = parsed
  const hasId = Object.hasOwn(message, 'id')
  if (typeof message.method !== 'string') {
    // A response (result or error) answers a request of ours, and this server sends none.
    return rpcError(
      400,
      null,
      rpcErrors.invalidRequest,
      hasId && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'))
        ? 'This server sent no requests, so it expects no responses.'
        : 'method is required and must be a string.',
    )
  }
  if (!hasId) return emptyResponse(202)
  if (!isRpcId(message.id)) {
    return rpcError(
      400,
      null,
      rpcErrors.invalidRequest,
      'id must be a string or an integer (MCP does not allow null).',
    )
  }
  const id = message.id
  if (message.params !== undefined && !isObject(message.params)) {
    return rpcError(200, id, rpcErrors.invalidParams, 'params must be an object.')
  }
  return answer(ctx, token, id, message.method, message.params ?? {})
}

async function answer(
  ctx: ServerContext,
  token: AccessTokenRecord,
  id: RpcId,
  method: string,
  params: Record<string, unknown>,
): Promise<CoreResponse> {
  switch (method) {
    case 'initialize': {
      const requested = params.protocolVersion
      if (typeof requested !== 'string') {
        return rpcError(200, id, rpcErrors.invalidParams, 'protocolVersion is required.')
      }
      const protocolVersion = (mcpProtocolVersions as readonly string[]).includes(requested)
        ? requested
        : mcpProtocolVersions[0]
      return rpcResult(id, {
        protocolVersion,
        capabilities: { tools: { listChanged: false } },
        serverInfo,
        instructions:
          'Demo tools over the orders of the user who authorized this client. Every request needs an access token issued for this server (its resource identifier as aud).',
      })
    }
    case 'ping':
      return rpcResult(id, {})
    case 'tools/list':
      if (params.cursor !== undefined) {
        return rpcError(200, id, rpcErrors.invalidParams, 'Unknown cursor: the list has one page.')
      }
      return rpcResult(id, { tools: mcpTools.map(describeTool) })
    case 'tools/call':
      return callTool(ctx, token, id, params)
    default:
      return rpcError(200, id, rpcErrors.methodNotFound, `Method ${method} is not supported.`)
  }
}

async function callTool(
  ctx: ServerContext,
  token: AccessTokenRecord,
  id: RpcId,
  params: Record<string, unknown>,
): Promise<CoreResponse> {
  const { name, arguments: args = {} } = params
  if (typeof name !== 'string') {
    return rpcError(200, id, rpcErrors.invalidParams, 'name (the tool) is required.')
  }
  const tool = findTool(name)
  if (!tool) return rpcError(200, id, rpcErrors.invalidParams, `Unknown tool: ${name}.`)
  if (!isObject(args)) {
    return rpcError(200, id, rpcErrors.invalidParams, 'arguments must be an object.')
  }
  // MCP authorization, "Runtime Insufficient Scope Errors": 403 naming the scope to step up to.
  requireScope(token, mcpRealm, tool.scope, bearerTarget(ctx, protectedResource('mcp')))
  const outcome = await tool.run(ctx, token, args)
  if (!outcome.ok) {
    return rpcResult(id, { content: [{ type: 'text', text: outcome.message }], isError: true })
  }
  return rpcResult(id, {
    content: [{ type: 'text', text: outcome.text }],
    structuredContent: outcome.structured,
    isError: false,
  })
}
