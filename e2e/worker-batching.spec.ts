import type { Page } from '@playwright/test'
import { expect, openWithMockServer, test } from './fixtures.ts'

/*
 * The worker commits a request's writes once, before it answers (docs/decisions/131). These
 * tests stop it the moment an answer is in (CDP), so a write still waiting in memory would be
 * gone: what the server said must be what the restarted worker knows.
 */

async function stopServiceWorker(page: Page) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('ServiceWorker.enable')
  await cdp.send('ServiceWorker.stopAllWorkers')
  await cdp.detach()
}

const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`

/** A form POST from the page, as a client app in this browser would send it. */
function post(page: Page, path: string, authorization: string, fields: Record<string, string>) {
  return page.evaluate(
    async ({ path, authorization, fields }) => {
      const response = await fetch(path, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      })
      const text = await response.text()
      // A revocation answers 200 with no body (RFC 7009 §2.2).
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
      }
    },
    { path, authorization, fields },
  )
}

const m2m = basic('grantlab-m2m', 'grantlab-m2m-secret')
/** The demo API, a resource server, asks whether a token is active (RFC 7662 §2.1). */
const introspect = (page: Page, token: string) =>
  post(page, '/as/introspect', basic('grantlab-api', 'grantlab-api-secret'), { token })

test('a token issued, then revoked, stays so when the worker is stopped right after each answer', async ({
  page,
}) => {
  await openWithMockServer(page)
  const issued = await post(page, '/as/token', m2m, {
    grant_type: 'client_credentials',
    scope: 'orders:read',
  })
  await stopServiceWorker(page)
  expect(issued.status).toBe(200)
  const token = String(issued.body.access_token)
  // The restarted worker knows the token it handed out…
  expect((await introspect(page, token)).body).toMatchObject({
    active: true,
    client_id: 'grantlab-m2m',
  })

  // …and a revocation it confirmed is not undone by a stop (RFC 7009 §2.2).
  const revoked = await post(page, '/as/revoke', m2m, { token })
  await stopServiceWorker(page)
  expect(revoked.status).toBe(200)
  expect((await introspect(page, token)).body).toEqual({ active: false })
})

test('tokens issued at once, with the worker stopped after the last answer, are all known after the restart', async ({
  page,
}) => {
  await openWithMockServer(page)
  // Concurrent requests share commits: each must still be stored before its own answer.
  const issued = await page.evaluate(async (authorization) => {
    const one = () =>
      fetch('/as/token', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=orders%3Aread',
      }).then((response) => response.json() as Promise<{ access_token: string }>)
    return Promise.all(Array.from({ length: 8 }, one))
  }, m2m)
  await stopServiceWorker(page)
  for (const { access_token } of issued) {
    expect((await introspect(page, access_token)).body).toMatchObject({ active: true })
  }
})
