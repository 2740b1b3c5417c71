import {
  expect,
  expectNoAxeViolations,
  openFlowFromIndex,
  openWithMockServer,
  runStep,
  signInAsAliceAndAllow,
  test,
} from './fixtures.ts'

const flowTitle = /OpenID Connect hybrid flow/

test.describe.configure({ timeout: 150_000 })

test('a new user runs the hybrid walkthrough by clicking: fragment, ID token checks, exchange, comparison', async ({
  page,
}) => {
  await openWithMockServer(page, '/walkthrough')
  await openFlowFromIndex(page, flowTitle)
  await expectNoAxeViolations(page)

  const discover = await runStep(page, 'Discover the server and check it offers code id_token')
  await expect(discover.getByText(/code, code id_token/)).toBeVisible()
  const prepare = await runStep(page, 'Make the nonce, the state and the PKCE pair')
  await expect(prepare.getByText('nonce', { exact: true })).toBeVisible()
  await runStep(page, 'Send the browser to the authorization endpoint')
  await signInAsAliceAndAllow(page, 'hybrid')
  await expect(page.getByText('The browser is back from the authorization server')).toBeVisible()

  const callback = await runStep(page, 'Check the front-channel ID token')
  await expect(callback.getByText(/\/walkthrough\/hybrid\/callback#code=/)).toBeVisible()
  await expect(callback.getByText('Check: signature')).toBeVisible()
  await expect(callback.getByText(/^✓ valid \(RS256, key "/)).toBeVisible()
  await expect(callback.getByText('Check: c_hash')).toBeVisible()
  const cHash = await callback.getByText(/^✓ [A-Za-z0-9_-]{22} = [A-Za-z0-9_-]{22}$/).textContent()
  const [claimed, computed] = (cHash ?? '').replace(/^✓ /, '').split(' = ')
  expect(claimed).toBe(computed)
  await expect(callback.getByText(/GET \/as\/jwks HTTP\/1\.1/).first()).toBeVisible()
  await expect(
    callback
      .getByRole('region', { name: 'Front-channel ID token' })
      .getByText('Signature verified'),
  ).toBeVisible()

  const token = await runStep(page, 'Exchange the code for tokens')
  await expect(token.getByText(/authorization: Basic /i).first()).toBeVisible()
  await expect(
    token.getByRole('region', { name: 'Token-endpoint ID token' }).getByText('Signature verified'),
  ).toBeVisible()

  const compare = await runStep(page, 'Compare the two ID tokens')
  await expect(compare.getByText('user-alice (same in both)')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})
