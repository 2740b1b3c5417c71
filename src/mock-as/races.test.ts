import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test, vi } from 'vitest'
import { createAuthorizationServer } from './core/authorization-server.ts'
import type { Store } from './core/deps.ts'
import { createMemoryStore } from './core/memory-store.ts'
import {
  createTestAuthorizationServer,
  mergeCookies,
  type TestAuthorizationServer,
} from './core/test-server.ts'
import { authorizeUrl, get, introspect, postForm } from './core/test-support.ts'
import { createIndexedDbStore } from './indexeddb-store.ts'
import { type DiskStore, openDiskStore } from './node/disk-store.ts'

// The disk store flushes every write; with the whole suite running, 10 rounds can pass 5 s.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

/**
 * Real concurrency against the core (Promise.all of many requests), on the memory store, the
 * IndexedDB store and the disk store (`--data`). Two server instances share one store, as two
 * service-worker instances (or a worker restarted mid-request) share one database: then only the
 * store's atomic update, not the in-memory lock of one instance, can keep the requests apart.
 */
let databaseCount = 0
const diskStores: DiskStore[] = []
const dataRoot = mkdtempSync(join(tmpdir(), 'grantlab-races-'))
afterAll(async () => {
  await Promise.all(diskStores.map((store) => store.close()))
  rmSync(dataRoot, { recursive: true, force: true })
})
const stores: Array<[string, () => Store]> = [
  ['memory', () => createMemoryStore()],
  ['IndexedDB', () => createIndexedDbStore(`grantlab-races-${++databaseCount}`)],
  [
    'IndexedDB, batched',
    () => createIndexedDbStore(`grantlab-races-${++databaseCount}`, { batched: true }),
  ],
  [
    'disk',
    () => {
      const store = openDiskStore(join(dataRoot, `races-${++databaseCount}`))
      diskStores.push(store)
      return store
    },
  ],
]

const hiddenPending = (html: string) =>
  /<input type="hidden" name="pending" value="([^"]*)">/.exec(html)?.[1] ?? ''

function formPost(
  t: TestAuthorizationServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
) {
  return new Request(`${t.deps.issuer}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: new URL(t.deps.issuer).origin,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields),
  })
}

describe.each(stores)('%s store', (_name, freshStore) => {
  test('20 concurrent Allow posts on one consent page yield exactly one code', async () => {
    const t = createTestAuthorizationServer({ store: freshStore() })
    const twin = createAuthorizationServer(t.deps)
    const page = await get(t, await authorizeUrl(t))
    let cookie = mergeCookies(undefined, page)
    const consent = await t.server.handle(
      formPost(
        t,
        '/authorize/login',
        {
          pending: hiddenPending(await page.text()),
          username: 'alice',
          password: 'alice-password',
        },
        cookie,
      ),
    )
    cookie = mergeCookies(cookie, consent)
    const pending = hiddenPending(await consent.text())
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? t.server : twin).handle(
          formPost(t, '/authorize/consent', { pending, decision: 'approve' }, cookie),
        ),
      ),
    )
    const codes = answers
      .map((answer) => new URL(answer.headers.get('location') ?? 'x:/').searchParams.get('code'))
      .filter((code) => code !== null)
    expect(codes).toHaveLength(1)
    for (const answer of answers.filter((one) => one.status !== 302)) {
      expect(answer.status).toBe(400)
      expect(await answer.text()).toContain('unknown, finished or expired')
    }
  })

  async function approvedDevice(t: TestAuthorizationServer) {
    const device = (await (
      await postForm(t, '/device_authorization', {
        client_id: 'grantlab-device',
        scope: 'openid profile offline_access',
      })
    ).json()) as { device_code: string; user_code: string }
    const entered = await t.server.handle(formPost(t, '/device', { user_code: device.user_code }))
    let cookie = mergeCookies(undefined, entered)
    const consent = await t.server.handle(
      formPost(
        t,
        '/device/login',
        {
          pending: hiddenPending(await entered.text()),
          username: 'alice',
          password: 'alice-password',
        },
        cookie,
      ),
    )
    cookie = mergeCookies(cookie, consent)
    return {
      device,
      approve: formPost(
        t,
        '/device/consent',
        { pending: hiddenPending(await consent.text()), decision: 'approve' },
        cookie,
      ),
    }
  }

  const poll = (t: TestAuthorizationServer, deviceCode: string) =>
    new Request(`${t.deps.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: deviceCode,
        client_id: 'grantlab-device',
      }),
    })

  test('a device approval racing polls is never lost (10 rounds)', async () => {
    for (let round = 0; round < 10; round += 1) {
      const t = createTestAuthorizationServer({ store: freshStore() })
      const twin = createAuthorizationServer(t.deps)
      const { device, approve } = await approvedDevice(t)
      const [approved, ...polls] = await Promise.all([
        twin.handle(approve),
        ...Array.from({ length: 5 }, () => t.server.handle(poll(t, device.device_code))),
      ])
      expect(approved?.status).toBe(200)
      expect(await approved?.text()).toContain('Device connected')
      const bodies = (await Promise.all(polls.map((answer) => answer.json()))) as Array<{
        access_token?: string
        error?: string
      }>
      // A poll that ran after the approval may have won the tokens; every other one waits.
      const won = bodies.filter((body) => body.access_token !== undefined)
      expect(won.length).toBeLessThanOrEqual(1)
      for (const body of bodies.filter((one) => one.access_token === undefined)) {
        expect(['authorization_pending', 'slow_down']).toContain(body.error)
      }
      if (won.length === 0) {
        // The approval was not overwritten by a poll: the next poll gets the tokens.
        t.clock.advance(200_000)
        const after = await t.server.handle(poll(t, device.device_code))
        expect(after.status).toBe(200)
      }
    }
  })

  test('20 simultaneous polls of an approved device code: one gets tokens, the others slow_down, nothing is revoked', async () => {
    const t = createTestAuthorizationServer({ store: freshStore() })
    const twin = createAuthorizationServer(t.deps)
    const { device, approve } = await approvedDevice(t)
    expect((await t.server.handle(approve)).status).toBe(200)
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        (index % 2 === 0 ? t.server : twin).handle(poll(t, device.device_code)),
      ),
    )
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{
      access_token?: string
      refresh_token?: string
      error?: string
    }>
    const winners = bodies.filter((body) => body.access_token !== undefined)
    expect(winners).toHaveLength(1)
    expect(bodies.filter((body) => body.error !== undefined).map((body) => body.error)).toEqual(
      Array(19).fill('slow_down'),
    )
    const [winner] = winners
    expect(await introspect(t, winner?.access_token ?? '')).toMatchObject({ active: true })
    // Only its own (public) client could introspect the refresh token (docs/decisions/076), so it
    // proves itself alive by being used.
    const refreshed = await postForm(t, '/token', {
      grant_type: 'refresh_token',
      refresh_token: winner?.refresh_token ?? '',
      client_id: 'grantlab-device',
    })
    expect(refreshed.status).toBe(200)
  })
})
