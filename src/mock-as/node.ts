/**
 * Node adapter of the mock authorization server (`npm run as`): the same core as the service
 * worker, behind node:http, with in-memory state. Lets curl, Postman or any OAuth library talk
 * to it. PORT overrides the port; APP_ORIGIN sets the origin of the demo clients' redirect URIs.
 */
import { createServer } from 'node:http'
import { createAuthorizationServer, purgeIntervalSeconds } from './core/authorization-server'
import { buildDemoClients, demoAdminInitialAccessToken } from './core/demo-data'
import { createCryptoRandom, createSystemClock } from './core/host'
import { createStoredKeys } from './core/keys'
import { createMemoryStore } from './core/memory-store'
import { createNodeDeliver, createNodeListener } from './node-adapter'
import { createNodeDocumentFetcher } from './node-document-fetcher'

const port = Number(process.env.PORT ?? 9400)
const origin = `http://127.0.0.1:${port}`
const issuer = `${origin}/as`
const appOrigin = process.env.APP_ORIGIN ?? 'http://localhost:5173'

const store = createMemoryStore()
const core = createAuthorizationServer({
  issuer,
  appOrigin,
  store,
  clock: createSystemClock(),
  random: createCryptoRandom(),
  keys: createStoredKeys(store),
  // Back-channel logout tokens go out with fetch (OpenID Connect Back-Channel Logout 1.0 §2.5).
  deliver: createNodeDeliver(),
  // Client ID Metadata Documents: any https host whose addresses are public, plus this server's
  // own loopback origin, where the demo agent's document lives (docs/decisions/122, 124).
  clientMetadataDocuments: {
    trustedOrigins: [origin],
    fetch: createNodeDocumentFetcher({ trustedOrigins: [origin] }),
  },
})

const server = createServer(createNodeListener(core, origin))

// Expired codes, tokens, sessions… go from memory once a minute, requests or not (decision 072).
setInterval(() => {
  core.purgeExpired().catch((error: unknown) => console.error('purge failed', error))
}, purgeIntervalSeconds * 1000).unref()

server.listen(port, '127.0.0.1', () => {
  console.log(`Grantlab mock authorization server`)
  console.log(`  issuer     ${issuer}`)
  console.log(`  discovery  ${issuer}/.well-known/openid-configuration`)
  console.log(`  RFC 8414   ${origin}/.well-known/oauth-authorization-server/as`)
  console.log(`  logout     ${issuer}/logout (RP-Initiated Logout 1.0)`)
  console.log(`  demo API   ${origin}/api/profile, ${origin}/api/orders`)
  console.log(
    `  MCP server ${origin}/mcp (RFC 9728: ${origin}/.well-known/oauth-protected-resource/mcp)`,
  )
  console.log(`  demo agent client_id ${origin}/demo-agent/client-metadata.json`)
  console.log(`  users      alice / alice-password, bob / bob-password`)
  console.log(`  admin      initial access token ${demoAdminInitialAccessToken} (demo shortcut)`)
  console.log('  clients')
  for (const client of buildDemoClients(appOrigin, `${origin}/api`)) {
    const secret = client.client_secret ? ` secret=${client.client_secret}` : ''
    console.log(
      `    ${client.client_id} (${client.token_endpoint_auth_method}${secret}) grants=${client.grant_types.join(',')}`,
    )
    for (const uri of client.redirect_uris) console.log(`      redirect_uri ${uri}`)
    for (const uri of client.post_logout_redirect_uris ?? []) {
      console.log(`      post_logout_redirect_uri ${uri}`)
    }
    if (client.backchannel_logout_uri) {
      console.log(`      backchannel_logout_uri ${client.backchannel_logout_uri}`)
    }
  }
})
