import type { Page } from '@playwright/test'
import {
  expect,
  openFlowFromHome,
  openWithMockServer,
  runStep,
  signInAsAliceAndAllow,
  stepItem,
  test,
} from './fixtures.ts'

/*
 * Secrets at rest (docs/decisions/081): after a walkthrough, what the browser keeps on disk or
 * for the tab (IndexedDB, sessionStorage) holds no password, client secret, private key or usable
 * token, while the walkthrough still shows what happened after a reload.
 */

test.describe.configure({ timeout: 120_000 })

interface Dump {
  /** Every sessionStorage item. */
  session: string
  /** The worker's traffic log. */
  trafficLog: string
  /** Every IndexedDB database, the traffic log and the server's own state included. */
  allDatabases: string
}

/** Reads everything the page's origin keeps in sessionStorage and IndexedDB, as text. */
function dumpStorage(page: Page): Promise<Dump> {
  return page.evaluate(async () => {
    const readDatabase = (name: string) =>
      new Promise<string>((resolve, reject) => {
        const opening = indexedDB.open(name)
        opening.onerror = () => reject(opening.error)
        opening.onsuccess = () => {
          const database = opening.result
          const names = [...database.objectStoreNames]
          if (names.length === 0) {
            database.close()
            resolve('')
            return
          }
          const transaction = database.transaction(names, 'readonly')
          const parts: unknown[] = []
          for (const storeName of names) {
            const store = transaction.objectStore(storeName)
            const keys = store.getAllKeys()
            const values = store.getAll()
            keys.onsuccess = () => parts.push(keys.result)
            values.onsuccess = () => parts.push(values.result)
          }
          transaction.oncomplete = () => {
            database.close()
            resolve(JSON.stringify(parts))
          }
          transaction.onerror = () => reject(transaction.error)
        }
      })
    const databases = (await indexedDB.databases()).map((info) => info.name ?? '')
    const all = await Promise.all(databases.map(readDatabase))
    const session = Object.keys(sessionStorage).map(
      (key) => `${key}=${sessionStorage.getItem(key)}`,
    )
    return {
      session: session.join('\n'),
      trafficLog: databases.includes('grantlab-traffic')
        ? await readDatabase('grantlab-traffic')
        : '',
      allDatabases: all.join('\n'),
    }
  })
}

/** The saved run of a flow, as the page wrote it. */
async function savedData(page: Page, flowId: string): Promise<Record<string, unknown>> {
  const text = await page.evaluate(
    (key) => sessionStorage.getItem(key),
    `grantlab.walkthrough.${flowId}`,
  )
  return (JSON.parse(text ?? '{}') as { data?: Record<string, unknown> }).data ?? {}
}

/** A token and its signature: either would be enough to find it. */
function tokenParts(token: unknown): string[] {
  expect(typeof token).toBe('string')
  const value = String(token)
  const signature = value.split('.')[2]
  return signature ? [value, signature] : [value]
}

test('after alice signs in and the walkthrough ends, storage holds no password, secret or token; a reload still shows the history', async ({
  page,
}) => {
  await openFlowFromHome(page, /Authorization code \+ PKCE/)
  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'Make the PKCE verifier')
  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'authorization-code')
  await runStep(page, 'Check the authorization response')
  await runStep(page, 'Exchange the code')

  // While the run goes on, its saved copy needs the verifier and the tokens (a reload must not
  // lose them): note them, to look for them once the run is over.
  const first = await savedData(page, 'authorization-code')
  const secrets = [
    String(first.codeVerifier),
    ...tokenParts(first.accessToken),
    ...tokenParts(first.idToken),
    ...tokenParts(first.refreshToken),
  ]
  await runStep(page, 'Call the API with the access token')
  await runStep(page, 'Refresh the tokens')
  const refreshed = await savedData(page, 'authorization-code')
  secrets.push(...tokenParts(refreshed.accessToken), ...tokenParts(refreshed.refreshToken))
  await runStep(page, 'Replay the old refresh token')
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expect(
    page.getByText(/This tab keeps no token, key or secret of a finished run/),
  ).toBeVisible()

  const dump = await dumpStorage(page)
  // The sign-in really was logged (redacted), so finding nothing below means something.
  expect(dump.trafficLog).toContain('/as/authorize/login')
  expect(dump.trafficLog).toContain('password=[redacted]')
  expect(dump.session).toContain('"secretsDropped"')
  expect(dump.allDatabases).not.toContain('alice-password')
  expect(dump.session).not.toContain('alice-password')
  // The server's own state (grantlab-mock-as) keeps what it issued, to check it when it comes
  // back: that is the authorization server's database, not a log. The log and the run keep none.
  for (const secret of secrets) {
    expect(dump.trafficLog, 'traffic log').not.toContain(secret)
    expect(dump.session, 'sessionStorage').not.toContain(secret)
  }

  await page.reload()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  // The tokens are readable, without their signatures.
  const idToken = stepItem(page, 'Exchange the code').getByRole('region', { name: 'ID token' })
  await expect(idToken.getByRole('rowheader', { name: 'nonce' })).toBeVisible()
  await expect(idToken.getByText(/Stored without its signature/)).toBeVisible()
  // The token request shows what was sent, the verifier redacted, the code kept.
  const token = stepItem(page, 'Exchange the code')
  await token
    .getByText(/POST \/as\/token HTTP\/1\.1 → 200/)
    .first()
    .click()
  const fields = token.getByRole('table', { name: 'Form fields, decoded' }).first()
  await expect(fields.getByRole('row', { name: /code_verifier \[redacted\]/ })).toBeVisible()
  await expect(fields.getByRole('row', { name: /^code [A-Za-z0-9_-]{10,}/ })).toBeVisible()
  await expect(token.getByText(/marks a password, secret, key or token/).first()).toBeVisible()
  // What the browser did at the server comes back from the log: the sign-in without the password.
  const authorize = stepItem(page, 'Send the browser to the authorization endpoint')
  await expect(
    authorize.getByRole('heading', { name: 'While the browser was at the server' }),
  ).toBeVisible()
  await authorize.getByText(/POST \/as\/authorize\/login HTTP\/1\.1 → /).click()
  const signIn = authorize.getByRole('table', { name: 'Form fields, decoded' })
  await expect(signIn.getByRole('row', { name: 'username alice' })).toBeVisible()
  await expect(signIn.getByRole('row', { name: 'password [redacted]' })).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('after-reload.png'), fullPage: true })
})

test('client credentials: neither the shared secret nor the private key stays in storage once the walkthrough ends', async ({
  page,
}) => {
  await openFlowFromHome(page, /Client credentials/)
  const basicCredential = 'Z3JhbnRsYWIlMkRtMm06Z3JhbnRsYWIlMkRtMm0lMkRzZWNyZXQ='
  for (const variant of [/client_secret_basic/, /private_key_jwt/]) {
    const choose = stepItem(page, 'Choose how the service authenticates')
    await choose.getByRole('radio', { name: variant }).check()
    await runStep(page, 'Choose how the service authenticates')
    await runStep(page, 'Discover the authorization server')
    await runStep(page, 'Get the client’s credentials ready')
    const saved = await savedData(page, 'client-credentials')
    const privateKey = (saved.privateJwk as { d?: string } | undefined)?.d
    await runStep(page, 'Request a token for the service itself')
    const withToken = await savedData(page, 'client-credentials')
    await runStep(page, 'Call the API with the access token')
    await runStep(page, 'Ask for a user scope, and be refused')
    await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()

    const dump = await dumpStorage(page)
    const secrets = [
      'grantlab-m2m-secret',
      'grantlab%2Dm2m%2Dsecret',
      basicCredential,
      ...tokenParts(withToken.accessToken),
    ]
    if (privateKey) secrets.push(privateKey)
    else expect(String(variant)).toContain('client_secret_basic')
    for (const secret of secrets) {
      expect(dump.session, `sessionStorage (${variant})`).not.toContain(secret)
      expect(dump.trafficLog, `traffic log (${variant})`).not.toContain(secret)
    }
    await page.getByRole('button', { name: 'Start over' }).click()
  }
})

test('a run left for an hour drops its secrets, says so, and can only start over', async ({
  page,
}) => {
  await page.clock.install()
  await openWithMockServer(page, '/walkthrough/authorization-code')
  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'Make the PKCE verifier')
  const verifier = String((await savedData(page, 'authorization-code')).codeVerifier)
  const prepare = stepItem(page, 'Make the PKCE verifier')
  await expect(prepare.getByText(verifier)).toBeVisible()

  await page.clock.fastForward('01:00:01')
  await expect(
    page.getByRole('heading', { name: 'This run’s tokens and keys are gone' }),
  ).toBeVisible()
  await expect(prepare.getByText(verifier)).toHaveCount(0)
  await expect(prepare.getByText('[redacted]', { exact: true })).toBeVisible()
  await expect(prepare.getByText('code_challenge (S256)')).toBeVisible()
  const next = stepItem(page, 'Send the browser to the authorization endpoint')
  await expect(next.getByText('Not run yet')).toBeVisible()
  await expect(next.getByRole('button', { name: 'Run step' })).toHaveCount(0)
  expect((await dumpStorage(page)).session).not.toContain(verifier)

  // After a reload it still says so; Start over begins a fresh run.
  await page.reload()
  await expect(
    page.getByRole('heading', { name: 'This run’s tokens and keys are gone' }),
  ).toBeVisible()
  await page.getByRole('button', { name: 'Start over' }).click()
  await expect(
    page.getByRole('heading', { name: 'This run’s tokens and keys are gone' }),
  ).toHaveCount(0)
  await runStep(page, 'Discover the authorization server')
})
