import { readFile } from 'node:fs/promises'
import type { Page } from '@playwright/test'
import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  openWithMockServer,
  runStep,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /Connect an AI agent to an MCP server/

// A whole flow through real navigations, with axe on large pages: allow for it.
test.describe.configure({ timeout: 120_000 })

/** The first steps: the 401, the two metadata documents and the registration choice. */
async function discoverAndRegister(page: Page, registration: RegExp) {
  const first = await runStep(page, 'Call the MCP server without a token')
  await expect(first.getByText('The server refused the request with 401')).toBeVisible()
  await expect(first.getByText('/.well-known/oauth-protected-resource/mcp').first()).toBeVisible()
  const metadata = await runStep(page, 'Fetch the MCP server’s protected resource metadata')
  await expect(metadata.getByText(/tokens come from http:\/\/127\.0\.0\.1:\d+\/as\./)).toBeVisible()
  await runStep(page, 'Fetch the authorization server’s metadata')
  await stepItem(page, 'Register the agent').getByRole('radio', { name: registration }).check()
  return runStep(page, 'Register the agent')
}

/** Signs in as alice on the server's pages and allows; returns the consent page's text. */
async function signInAndAllow(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Continue to the authorization server' }).click()
  await page.waitForURL(/\/as\/authorize\?/)
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('heading', { name: 'Allow access?' })).toBeVisible()
  await expectNoAxeViolations(page)
  const consent = (await page.locator('main').textContent()) ?? ''
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.waitForURL(/\/walkthrough\/mcp-agent$/)
  await expect(page.getByText('The browser is back from the authorization server')).toBeVisible()
  return consent
}

async function finish(page: Page) {
  await runStep(page, 'Check the authorization response')
  const token = await runStep(page, 'Exchange the code for a token for the MCP server')
  await expect(
    token.getByText(
      /A token for the MCP server alone: its aud is http:\/\/127\.0\.0\.1:\d+\/mcp\./,
    ),
  ).toBeVisible()
  const session = await runStep(page, 'Open the MCP session and list the tools')
  await expect(session.getByText('Tool list_orders')).toBeVisible()
  const tool = await runStep(page, 'Call a tool for the user: list_orders')
  await expect(tool.getByText(/Tea set/).first()).toBeVisible()
  const pinned = await runStep(page, 'Present the same token to the demo API: audience pinning')
  await expect(pinned.getByText(/refused the token with 401 invalid_token/)).toBeVisible()
  await expect(
    pinned.getByText(/The access token is for http:\/\/127\.0\.0\.1:\d+\/mcp, not for/).first(),
  ).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
}

test('a learner connects the agent with its Client ID Metadata Document, calls a tool, and sees the token refused at /api', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expect(
    page.getByRole('img', { name: /Sequence diagram of Connect an AI agent/ }),
  ).toBeVisible()
  await expectNoAxeViolations(page)

  const register = await discoverAndRegister(page, /Client ID Metadata Document/)
  await expect(register.getByText(/client_id is the URL of its metadata document/)).toBeVisible()
  await runStep(page, 'Make the PKCE verifier, its challenge and a state')
  const authorize = await runStep(
    page,
    'Send the browser to the authorization endpoint, naming the MCP server',
  )
  await expect(authorize.getByText('resource', { exact: true }).first()).toBeVisible()

  const consent = await signInAndAllow(page)
  // The server read the document itself, and says who published it and where Allow leads.
  expect(consent).toContain('Grantlab demo agent')
  expect(consent).toMatch(/describes itself in a metadata document published by 127\.0\.0\.1:\d+/)
  expect(consent).toMatch(/you are sent back to 127\.0\.0\.1:\d+/)

  await finish(page)
  await expectNoAxeViolations(page)
})

test('the same walkthrough with dynamic client registration instead of a metadata document', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  const register = await discoverAndRegister(page, /Dynamic Client Registration/)
  await expect(
    register.getByText(/registered the agent and issued the client_id client-/),
  ).toBeVisible()
  await runStep(page, 'Make the PKCE verifier, its challenge and a state')
  await runStep(page, 'Send the browser to the authorization endpoint, naming the MCP server')
  const consent = await signInAndAllow(page)
  expect(consent).toContain('Grantlab demo agent (registered)')
  expect(consent).not.toContain('metadata document')
  await finish(page)
})

test('the worker serves the MCP server, its RFC 9728 metadata and the agent’s document, and refuses a bad metadata URL with a page', async ({
  page,
}) => {
  await openWithMockServer(page, '/')
  const answers = await page.evaluate(async () => {
    const mcp = await fetch('/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    })
    const metadata = await fetch('/.well-known/oauth-protected-resource/mcp')
    const api = await fetch('/.well-known/oauth-protected-resource/api')
    const document = await fetch('/demo-agent/client-metadata.json')
    return {
      mcp: [mcp.status, mcp.headers.get('www-authenticate')],
      metadata: await metadata.json(),
      api: (await api.json()).resource,
      document: (await document.json()).client_id,
      origin: location.origin,
    }
  })
  expect(answers.mcp).toEqual([
    401,
    `Bearer realm="grantlab-mcp", scope="orders:read", resource_metadata="${answers.origin}/.well-known/oauth-protected-resource/mcp", DPoP algs="ES256 Ed25519 RS256 PS256"`,
  ])
  expect(answers.metadata).toMatchObject({
    resource: `${answers.origin}/mcp`,
    authorization_servers: [`${answers.origin}/as`],
  })
  expect(answers.api).toBe(`${answers.origin}/api`)
  expect(answers.document).toBe(`${answers.origin}/demo-agent/client-metadata.json`)

  // A client_id URL on another origin: the worker does not fetch it, and says so on a page.
  await page.goto(
    `/as/authorize?response_type=code&client_id=${encodeURIComponent('https://agent.example.com/c.json')}&redirect_uri=${encodeURIComponent('http://127.0.0.1:5555/cb')}&scope=orders:read`,
  )
  await expect(
    page.getByRole('heading', { name: 'This authorization request was refused' }),
  ).toBeVisible()
  await expect(page.getByRole('alert')).toContainText('fetches metadata documents only from')
  await expectNoAxeViolations(page)
})

test('the advisor’s agent answer opens the MCP walkthrough, and Configure exports its Client ID Metadata Document', async ({
  page,
}) => {
  await openWithMockServer(
    page,
    '/advisor?app=agent&backend=no&refresh=yes&assurance=standard&migrating=none',
  )
  await expect(
    page.getByText('AI agent or MCP client that calls tools for a user').first(),
  ).toBeVisible()
  await expect(
    page.getByRole('heading', { name: 'Discovery from the MCP server’s 401 (RFC 9728)' }),
  ).toBeVisible()
  await expect(
    page.getByRole('heading', { name: /in every request: a token for one server/ }),
  ).toBeVisible()
  await expect(page.getByRole('link', { name: 'Walk through this grant' })).toHaveAttribute(
    'href',
    '/walkthrough/mcp-agent',
  )
  await expectNoAxeViolations(page)

  await page.getByRole('link', { name: 'Open this client in Configure' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Configure a client' })).toBeVisible()
  await page.getByRole('radio', { name: 'Client ID Metadata Document' }).check()
  await expect(page.getByText(/Host this file at/)).toBeVisible()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download client-id-metadata-document.json' }).click(),
  ])
  const document = JSON.parse(await readFile((await download.path()) ?? '', 'utf8'))
  expect(document).toMatchObject({
    client_id: 'https://agent.example.com/oauth/client-metadata.json',
    client_name: 'My AI agent (MCP client)',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
  })
  await expectNoAxeViolations(page)
})
