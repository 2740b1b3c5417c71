import { expect, test } from 'vitest'
import { driveAuthorization } from '../mock-as/core/test-server.ts'
import { createTestDemoHost } from '../mock-as/test-demo-host.ts'
import { createRun, type FlowRun, recordReturn } from './flow-runner.ts'
import { resultOf, setUpFlow } from './flow-test-support.ts'
import { logoutFlow } from './logout.ts'

// The whole logout walkthrough in Node, against the service worker's host (the server core plus
// the demo client's back-channel route) in this-browser mode, as behind the worker: oauth4webapi
// unmocked, the browser's part driven through the server's pages and its real redirects.

function setUp() {
  const t = createTestDemoHost({ sessionMode: 'this-browser' })
  return { ...setUpFlow(logoutFlow, { t }), t }
}

function ok(run: FlowRun, stepId: string) {
  const result = resultOf(run, stepId)
  if (result.status !== 'ok') throw new Error(`${stepId}: ${result.message} ${result.detail ?? ''}`)
  return result
}

const shownValue = (run: FlowRun, stepId: string, label: string) =>
  resultOf(run, stepId).values?.find((shown) => shown.label === label)?.value

/** Runs the steps up to the logout navigation, signing in through the server's pages. */
async function untilLogout(setup: ReturnType<typeof setUp>) {
  const { t, step } = setup
  let run = createRun(logoutFlow)
  for (let i = 0; i < 3; i++) run = await step(run)
  const signIn = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '', {
    dropCookies: true,
  })
  run = await step(recordReturn(run, signIn.location ?? ''))
  run = await step(run)
  run = await step(run)
  expect(run.awaitingReturn?.stepId).toBe('logout')
  return run
}

test('the logout walkthrough: sign in, log out at the server, read the logout token, and the next sign-in asks for the password', async () => {
  const setup = setUp()
  const { t, step } = setup
  let run = await untilLogout(setup)
  expect(shownValue(run, 'discover', 'end_session_endpoint')).toBe(`${t.deps.issuer}/logout`)
  expect(ok(run, 'logout').notes?.[0]).toMatch(/oauth4webapi has no end-session helper/)
  const logoutUrl = new URL(run.awaitingReturn?.url ?? '')
  expect([...logoutUrl.searchParams.keys()]).toEqual([
    'id_token_hint',
    'client_id',
    'post_logout_redirect_uri',
    'state',
  ])
  expect(logoutUrl.searchParams.get('id_token_hint')).toBe(run.data.idToken)

  // The browser goes there for real: the server ends the session and redirects straight back.
  const logout = await t.server.handle(new Request(logoutUrl.href))
  expect(logout.status).toBe(302)
  const back = logout.headers.get('location') ?? ''
  expect(back).toBe(`${t.deps.appOrigin}/walkthrough/logout/callback?state=${run.data.logoutState}`)
  run = await step(recordReturn(run, back))
  expect(shownValue(run, 'logout-return', 'state')).toBe(run.data.logoutState)

  run = await step(run)
  const backchannel = ok(run, 'backchannel')
  expect(backchannel.tokens?.[0]).toMatchObject({ label: 'Logout token', signature: 'verified' })
  expect(
    backchannel.values
      ?.filter((shown) => shown.label.startsWith('Back end checked: '))
      .map((shown) => [shown.label.slice('Back end checked: '.length), shown.value.slice(0, 1)]),
  ).toEqual(
    ['alg', 'signature', 'typ', 'iss', 'aud', 'iat', 'exp', 'sid', 'events', 'nonce', 'jti'].map(
      (name) => [name, '✓'],
    ),
  )
  expect(shownValue(run, 'backchannel', 'Check: sid')).toMatch(/^✓ /)
  expect(shownValue(run, 'backchannel', 'Check: sub')).toMatch(/^✓ user-alice/)

  run = await step(run)
  expect(shownValue(run, 'refresh-after', 'Server error')).toMatch(/^invalid_grant/)

  run = await step(run)
  const again = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '', {
    dropCookies: true,
  })
  // Observed: the server showed its sign-in form, and no consent page (the consent is kept).
  expect(again.pages).toHaveLength(1)
  expect(again.pages[0]).toContain('name="password"')
  t.clock.advance(2000)
  run = await step(recordReturn(run, again.location ?? ''))
  const proved = ok(run, 'new-session')
  expect(shownValue(run, 'new-session', 'sid')).toMatch(/^✓ new: /)
  expect(shownValue(run, 'new-session', 'auth_time')).toMatch(/^✓ /)
  expect(proved.tokens?.[0]).toMatchObject({ label: 'New ID token', signature: 'verified' })
  expect(run.next).toBe(logoutFlow.steps.length)
})

test('a return with another state is refused', async () => {
  const setup = setUp()
  let run = await untilLogout(setup)
  const logout = await setup.t.server.handle(new Request(run.awaitingReturn?.url ?? ''))
  const forged = new URL(logout.headers.get('location') ?? '')
  forged.searchParams.set('state', 'forged')
  run = await setup.step(recordReturn(run, forged.href))
  expect(resultOf(run, 'logout-return')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/not the one the client sent/),
  })
})

test('a logout that never reached the server is caught: no logout token, the refresh token works, no password asked', async () => {
  const setup = setUp()
  const { t, step } = setup
  let run = await untilLogout(setup)
  const logoutUrl = new URL(run.awaitingReturn?.url ?? '')
  // The browser "comes back" without having been at the server.
  run = await step(
    recordReturn(
      run,
      `${t.deps.appOrigin}/walkthrough/logout/callback?state=${logoutUrl.searchParams.get('state')}`,
    ),
  )
  run = await step(run)
  expect(resultOf(run, 'backchannel')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/no accepted logout token for this session/),
  })
  // Skip ahead past the failing step to see the later checks fail too.
  run = { ...run, next: run.next + 1 }
  run = await step(run)
  expect(resultOf(run, 'refresh-after')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/still accepted the refresh token/),
  })
  run = { ...run, next: run.next + 1 }
  run = await step(run)
  const again = await driveAuthorization(t.server, run.awaitingReturn?.url ?? '', {
    dropCookies: true,
  })
  expect(again.pages).toHaveLength(0)
  run = await step(recordReturn(run, again.location ?? ''))
  expect(resultOf(run, 'new-session')).toMatchObject({
    status: 'error',
    message: expect.stringMatching(/names the old session/),
  })
})
