/**
 * Node adapter of the mock authorization server (`npm run as`): the same core as the service
 * worker, behind node:http, with in-memory state. Lets curl, Postman or any OAuth library talk
 * to it. PORT overrides the port; APP_ORIGIN sets the origin of the demo clients' redirect URIs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createAuthorizationServer, purgeIntervalSeconds } from './core/authorization-server'
import { buildDemoClients } from './core/demo-data'
import { createCryptoRandom, createSystemClock } from './core/host'
import { createStoredKeys } from './core/keys'
import { createMemoryStore } from './core/memory-store'

const port = Number(process.env.PORT ?? 9400)
const origin = `http://127.0.0.1:${port}`
const issuer = `${origin}/as`
const appOrigin = process.env.APP_ORIGIN ?? 'http://localhost:5173'

/** Bodies larger than this are refused here; the core refuses anything above 64 KB anyway. */
const maxNodeBodyBytes = 1024 * 1024

const store = createMemoryStore()
const core = createAuthorizationServer({
  issuer,
  appOrigin,
  store,
  clock: createSystemClock(),
  random: createCryptoRandom(),
  keys: createStoredKeys(store),
})

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxNodeBodyBytes) {
        resolve(undefined)
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Cache-Control': 'no-store',
    ...headers,
  })
  response.end(JSON.stringify(body))
}

/** node:http request → Fetch Request (URL rooted at the issuer's origin, so the issuer matches). */
async function toFetchRequest(request: IncomingMessage): Promise<Request | 'too-large'> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const method = request.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD'
  const body = hasBody ? await readBody(request) : undefined
  if (hasBody && body === undefined) return 'too-large'
  return new Request(new URL(request.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody && body ? { body: new Uint8Array(body) } : {}),
  })
}

/** Fetch Response → node:http, keeping every Set-Cookie header separate. */
async function sendFetchResponse(fetched: Response, response: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  fetched.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = fetched.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  response.writeHead(fetched.status, headers)
  response.end(Buffer.from(await fetched.arrayBuffer()))
}

const server = createServer(async (request, response) => {
  try {
    let fetchRequest: Request | 'too-large'
    try {
      fetchRequest = await toFetchRequest(request)
    } catch {
      // `new Request` refuses methods such as TRACE and CONNECT.
      sendJson(response, 405, {
        error: 'method_not_allowed',
        error_description: 'Method not allowed.',
      })
      return
    }
    if (fetchRequest === 'too-large') {
      sendJson(response, 413, {
        error: 'invalid_request',
        error_description: 'The request body is too large.',
      })
      return
    }
    await sendFetchResponse(await core.handle(fetchRequest), response)
  } catch (error) {
    console.error('node adapter error', error)
    if (!response.headersSent) {
      sendJson(response, 500, { error: 'server_error', error_description: 'Adapter failure.' })
    } else {
      response.end()
    }
  }
})

// Expired codes, tokens, sessions… go from memory once a minute, requests or not (decision 072).
setInterval(() => {
  core.purgeExpired().catch((error: unknown) => console.error('purge failed', error))
}, purgeIntervalSeconds * 1000).unref()

server.listen(port, '127.0.0.1', () => {
  console.log(`Grantlab mock authorization server`)
  console.log(`  issuer     ${issuer}`)
  console.log(`  discovery  ${issuer}/.well-known/openid-configuration`)
  console.log(`  RFC 8414   ${origin}/.well-known/oauth-authorization-server/as`)
  console.log(`  demo API   ${origin}/api/profile, ${origin}/api/orders`)
  console.log(`  users      alice / alice-password, bob / bob-password`)
  console.log('  clients')
  for (const client of buildDemoClients(appOrigin)) {
    const secret = client.client_secret ? ` secret=${client.client_secret}` : ''
    console.log(
      `    ${client.client_id} (${client.token_endpoint_auth_method}${secret}) grants=${client.grant_types.join(',')}`,
    )
    for (const uri of client.redirect_uris) console.log(`      redirect_uri ${uri}`)
  }
})
