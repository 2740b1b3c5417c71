import { exportJWK, generateKeyPair } from 'jose'
import { expect, test } from 'vitest'
import { allAnswerCombinations } from '../../advisor/answer-space.ts'
import { recommend } from '../../advisor/recommend.ts'
import { computeS256Challenge } from '../../mock-as/core/pkce.ts'
import { createTestAuthorizationServer } from '../../mock-as/core/test-server.ts'
import { testVerifier } from '../../mock-as/core/test-support.ts'
import type { ClientMetadata, JwkSet } from '../client-metadata.ts'
import { importClientText } from '../importers.ts'
import { presets } from '../presets.ts'
import {
  clientIdMetadataDocumentNotes,
  documentUrl,
  exportClientIdMetadataDocument,
} from './client-id-metadata-document.ts'
import { exportFormats } from './formats.ts'

/**
 * A mock server that fetches `document` at its client_id (as a host would serve the exported
 * file), and the page its authorization endpoint answers for that client_id.
 */
async function authorizeWithDocument(document: string, redirectUri: string) {
  const url = JSON.parse(document).client_id as string
  const t = createTestAuthorizationServer({
    clientMetadataDocuments: {
      fetch: async (requested) =>
        requested === url
          ? new Response(document, { headers: { 'content-type': 'application/json' } })
          : new Response('not here', { status: 404 }),
    },
  })
  const authorize = new URL(`${t.deps.issuer}/authorize`)
  authorize.searchParams.set('client_id', url)
  authorize.searchParams.set('redirect_uri', redirectUri)
  authorize.searchParams.set('response_type', 'code')
  authorize.searchParams.set('scope', 'orders:read')
  authorize.searchParams.set('code_challenge', await computeS256Challenge(testVerifier))
  authorize.searchParams.set('code_challenge_method', 'S256')
  const response = await t.server.handle(new Request(authorize))
  return { status: response.status, html: await response.text() }
}

async function publicJwks(): Promise<JwkSet> {
  const { publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  return { keys: [{ ...jwk, kty: jwk.kty ?? 'EC', kid: 'agent-key', alg: 'ES256', use: 'sig' }] }
}

const agentDraft = recommend({
  app: 'agent',
  backend: 'no',
  refresh: 'yes',
  assurance: 'standard',
  migrating: 'none',
}).client as ClientMetadata

test('the advisor’s agent draft exports a document that the mock server accepts as its client', async () => {
  const document = exportClientIdMetadataDocument(agentDraft)
  const parsed = JSON.parse(document)
  expect(parsed).toMatchObject({
    client_id: 'https://agent.example.com/oauth/client-metadata.json',
    client_name: 'My AI agent (MCP client)',
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  })
  // A native client's loopback redirect may take any port (RFC 8252 §7.3).
  const page = await authorizeWithDocument(document, 'http://127.0.0.1:53682/callback')
  expect(page.status).toBe(200)
  expect(page.html).toContain('My AI agent (MCP client)')
  expect(page.html).toContain('name="password"')
})

test('every advisor draft for an agent exports an accepted document (keys put in jwks, as Configure does)', async () => {
  const drafts = allAnswerCombinations()
    .filter((answers) => answers.app === 'agent')
    .map((answers) => recommend(answers).client as ClientMetadata)
  expect(drafts.length).toBe(16)
  for (const draft of drafts) {
    const { jwks_uri: jwksUri, ...rest } = draft
    const metadata = jwksUri === undefined ? draft : { ...rest, jwks: await publicJwks() }
    const redirect = (draft.redirect_uris?.[0] ?? '').replace('127.0.0.1/', '127.0.0.1:40000/')
    const page = await authorizeWithDocument(exportClientIdMetadataDocument(metadata), redirect)
    expect(page.status, page.html).toBe(200)
  }
})

test('the notes say where to host it, and warn where the mock server or any server would refuse it', async () => {
  expect(clientIdMetadataDocumentNotes(agentDraft)[0]).toContain(
    '`https://agent.example.com/oauth/client-metadata.json`',
  )
  const backend = recommend({
    app: 'agent',
    backend: 'yes',
    refresh: 'no',
    assurance: 'standard',
    migrating: 'none',
  }).client as ClientMetadata
  expect(clientIdMetadataDocumentNotes(backend).join(' ')).toMatch(/does not fetch `jwks_uri`/)
  const refused = await authorizeWithDocument(
    exportClientIdMetadataDocument(backend),
    'https://agent.example.com/oauth/callback',
  )
  expect(refused.status).toBe(400)
  expect(refused.html).toContain('does not fetch key sets')

  const web = presets.find((preset) => preset.id === 'web')?.metadata ?? {}
  const webNotes = clientIdMetadataDocumentNotes(web).join(' ')
  expect(webNotes).toMatch(/`client_secret_basic` needs a shared secret/)
  const webPage = await authorizeWithDocument(
    exportClientIdMetadataDocument(web),
    web.redirect_uris?.[0] ?? '',
  )
  expect(webPage.status).toBe(400)
  expect(webPage.html).toContain('client_secret_basic is not allowed')
})

test('a client_id URL is kept; an imported secret never reaches the document; it imports back', () => {
  const metadata: ClientMetadata = {
    ...agentDraft,
    client_id: 'https://tools.example.org/agent.json',
    client_secret: 'leaked-if-exported',
  }
  expect(documentUrl(metadata)).toEqual({
    url: 'https://tools.example.org/agent.json',
    placeholder: false,
  })
  const document = exportClientIdMetadataDocument(metadata)
  expect(document).not.toContain('leaked-if-exported')
  expect(document).not.toContain('client_secret')
  expect(Object.keys(JSON.parse(document))[0]).toBe('client_id')
  const imported = importClientText(document)
  expect(imported.ok && imported.metadata).toEqual({
    ...agentDraft,
    client_id: 'https://tools.example.org/agent.json',
  })
})

test('without a client_uri the URL comes from the first https redirect URI, else a placeholder', () => {
  expect(
    documentUrl({ redirect_uris: ['http://127.0.0.1/cb', 'https://app.example.org/cb'] }),
  ).toEqual({ url: 'https://app.example.org/oauth/client-metadata.json', placeholder: true })
  expect(documentUrl({}).url).toBe('https://app.example.com/oauth/client-metadata.json')
})

test('Configure offers it as one more export format', () => {
  const format = exportFormats.find((item) => item.id === 'client-id-metadata-document')
  expect(format).toMatchObject({
    label: 'Client ID Metadata Document',
    filename: 'client-id-metadata-document.json',
    mimeType: 'application/json',
  })
  expect(format?.render(agentDraft, { issuer: 'http://127.0.0.1/as' })).toBe(
    exportClientIdMetadataDocument(agentDraft),
  )
})
