import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  signInAsAliceAndAllow,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /Pushed authorization requests \(PAR\)/

test('a new user runs the PAR walkthrough: the plain request is refused, the pushed one signs in, and its request_uri works once and expires', async ({
  page,
}) => {
  // The last step waits the request_uri's whole lifetime (60 s) for real.
  test.setTimeout(240_000)
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  const discover = await runStep(page, 'Discover the authorization server and its PAR endpoint')
  await expect(discover.getByText(/\/as\/par$/).first()).toBeVisible()
  await runStep(page, 'Make the PKCE verifier')

  await runStep(page, 'Try a plain authorization request first')
  await page.getByRole('button', { name: 'Send the plain request' }).click()
  // Refused at once: the browser comes straight back, no sign-in page on the way.
  await page.waitForURL(/\/walkthrough\/par$/)
  const refused = await runStep(page, 'See the plain request refused')
  await expect(refused.getByText(/refused the plain request with invalid_request/)).toBeVisible()
  await expect(refused.getByText(/must use pushed authorization requests/).first()).toBeVisible()

  const push = await runStep(page, 'Push the authorization request')
  await expect(
    push.getByText(/answered 201 with a request_uri that expires in 60 seconds/),
  ).toBeVisible()
  await expect(push.getByText(/^Front-channel URL with PAR \(\d+ characters\)$/)).toBeVisible()
  await expect(push.getByText(/^The URL it replaces \(\d+ characters\)$/)).toBeVisible()
  await expect(push.getByText(/POST \/as\/par HTTP\/1\.1/).first()).toBeVisible()

  await runStep(page, 'Send the browser with the request_uri')
  await signInAsAliceAndAllow(page, 'par')
  await runStep(page, 'Check the authorization response')
  const token = await runStep(page, 'Exchange the code')
  await expect(
    token.getByRole('region', { name: 'ID token' }).getByText('Signature verified'),
  ).toBeVisible()

  const reuse = await runStep(page, 'Use the request_uri a second time')
  await expect(
    reuse.getByText(/^400 invalid_request: request_uri is unknown or was already used/),
  ).toBeVisible()

  const expire = stepItem(page, 'Let a pushed request expire')
  await expire.getByRole('button', { name: 'Run step' }).click()
  await expect(expire.getByText(/expires in 60 seconds/).first()).toBeVisible()
  await expect(expire.getByText(/^Using it in /)).toBeVisible()
  // The page runs the step again by itself once the lifetime has passed.
  await expect(expire.getByText(/the server refused the request_uri as expired/)).toBeVisible({
    timeout: 120_000,
  })
  await expect(expire.getByText(/^400 invalid_request: request_uri has expired/)).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})
