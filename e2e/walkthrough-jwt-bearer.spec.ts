import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  runStepExpectingError,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /JWT bearer grant/

test.describe.configure({ timeout: 120_000 })

test('a new user gets a token with a signed assertion, sends an expired one (invalid_grant), fixes it and calls the API', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)

  await runStep(page, 'Discover the authorization server')
  const key = await runStep(page, 'Make a key pair in the browser')
  await expect(key.getByText('Public key (JWK)')).toBeVisible()
  const register = await runStep(page, 'Register the client with its public key')
  await expect(register.getByText(/^client-/)).toBeVisible()
  const first = await runStep(page, 'Sign an assertion for alice')
  await expect(first.getByRole('region', { name: 'Assertion (signed by this page)' })).toBeVisible()

  const editor = stepItem(page, 'Edit the assertion and see each check')
  const text = editor.getByRole('textbox', { name: 'Assertion to sign and send' })
  await expect(text).toHaveValue(/"sub": "alice"/)
  await expectNoAxeViolations(page)

  // An expired assertion: the exp check fails, the earlier ones pass.
  await editor.getByRole('button', { name: 'Expired' }).click()
  await expect(editor.getByText(/Preset “Expired” applied/)).toBeVisible()
  await runStepExpectingError(page, 'Edit the assertion and see each check')
  await expect(
    editor.getByText(/refused the assertion with invalid_grant: the exp check failed/),
  ).toBeVisible()
  await expect(editor.getByText(/^✗ failed: the assertion expired \d+ seconds ago/)).toBeVisible()
  await expect(editor.getByText('✓ passed')).toHaveCount(5)
  await expectNoAxeViolations(page)

  // Fix it by hand: move exp into the future, then send again.
  const expired = JSON.parse(await text.inputValue())
  expired.claims.exp = Math.floor(Date.now() / 1000) + 300
  expired.claims.iat = Math.floor(Date.now() / 1000)
  expired.claims.nbf = Math.floor(Date.now() / 1000)
  await text.fill(JSON.stringify(expired, null, 2))
  await editor.getByRole('button', { name: 'Run step again' }).click()
  await expect(editor.getByRole('heading', { name: 'Result' })).toBeVisible()
  await expect(
    editor.getByText('Every check passed: the server issued an access token.'),
  ).toBeVisible()
  await expect(editor.getByRole('region', { name: 'Access token' })).toBeVisible()

  const api = await runStep(page, 'Call the API as alice')
  await expect(api.getByText(/"sub": "user-alice"/).first()).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})
