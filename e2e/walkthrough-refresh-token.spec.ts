import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  signInAsAliceAndAllow,
  test,
} from './fixtures.ts'

const flowTitle = /Refresh token rotation/

test.describe.configure({ timeout: 120_000 })

test('a new user signs in as alice, refreshes twice, replays RT1 and sees the whole family revoked', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  await runStep(page, 'Discover the authorization server')
  await runStep(page, 'Make the PKCE verifier')
  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'refresh-token')

  await runStep(page, 'Check the authorization response')
  const token = await runStep(page, 'Exchange the code')
  await expect(token.getByRole('region', { name: 'Refresh token' })).toBeVisible()

  const first = await runStep(page, 'Refresh: trade RT1')
  await expect(first.getByText(/different refresh token, RT2/)).toBeVisible()
  await expect(first.getByText(/^yes: /)).toBeVisible()
  const second = await runStep(page, 'Refresh again: trade RT2 for RT3')
  await expect(second.getByText(/different refresh token, RT3/)).toBeVisible()

  const replay = await runStep(page, 'Replay RT1')
  await expect(replay.getByText(/refused RT1 with invalid_grant/)).toBeVisible()
  await expect(replay.getByText(/family is now revoked/).first()).toBeVisible()

  const newest = await runStep(page, 'The newest refresh token')
  await expect(newest.getByText(/RT3 is refused with invalid_grant/)).toBeVisible()
  const api = await runStep(page, 'The newest access token no longer works')
  await expect(api.getByText(/answered 401 with error="invalid_token"/)).toBeVisible()
  const introspection = await runStep(page, 'Introspection says the access token is inactive')
  await expect(introspection.getByText('{ "active": false }', { exact: true })).toBeVisible()

  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})
