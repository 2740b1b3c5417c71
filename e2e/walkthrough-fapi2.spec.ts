import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  signInAsAliceAndAllow,
  stepItem,
  test,
} from './fixtures.ts'

const flowTitle = /FAPI 2.0 Security Profile/

// A whole flow through real navigations, with axe on large pages: allow for it.
test.describe.configure({ timeout: 120_000 })

test('a new user runs the FAPI 2.0 walkthrough and sees each requirement ticked, and what the demo cannot meet', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  const discover = await runStep(page, 'Discover the server, and what it offers for FAPI 2.0')
  await expect(
    discover.getByText('✓ publishes its metadata (RFC 8414, OpenID Connect Discovery)', {
      exact: true,
    }),
  ).toBeVisible()
  await runStep(page, 'Make the client’s key pair, the DPoP key pair, and PKCE')
  const register = await runStep(page, 'Register the FAPI client')
  await expect(
    register.getByText(/^Registered client-.*PAR required, DPoP-bound tokens\.$/),
  ).toBeVisible()

  await runStep(page, 'Try the front channel without PAR')
  await page.getByRole('button', { name: 'Send the browser without PAR' }).click()
  await page.waitForURL(/\/walkthrough\/fapi2$/)
  const refused = await runStep(page, 'See the server refuse it')
  await expect(
    refused.getByText(
      /^Refused as expected: the server sent the browser back with invalid_request/,
    ),
  ).toBeVisible()
  await expect(
    refused.getByText('✓ refuses authorization requests that were not pushed (PAR, RFC 9126)', {
      exact: true,
    }),
  ).toBeVisible()

  const audience = await runStep(page, 'Send an assertion addressed to the token endpoint')
  await expect(
    audience.getByText(/^400 invalid_client: client_assertion aud must be/),
  ).toBeVisible()
  await expect(
    audience.getByText(
      '✓ accepts only its issuer identifier, as a string, in the aud of client assertions',
    ),
  ).toBeVisible()

  const par = await runStep(page, 'Push the authorization request, with PKCE and a DPoP proof')
  await expect(par.getByText('400 use_dpop_nonce', { exact: true })).toBeVisible()
  await expect(
    par.getByRole('region', { name: 'Client assertion (private_key_jwt)' }),
  ).toBeVisible()
  await expect(
    par.getByText('✓ binds the authorization code to the DPoP key (RFC 9449 §10.1)', {
      exact: true,
    }),
  ).toHaveCount(0)

  await runStep(page, 'Send the browser with the request_uri only')
  await signInAsAliceAndAllow(page, 'fapi2')
  const callback = await runStep(page, 'Check the authorization response, iss included')
  await expect(
    callback.getByText('✓ returns iss in the authorization response (RFC 9207)', { exact: true }),
  ).toBeVisible()

  const token = await runStep(page, 'Exchange the code: only with the key it is bound to')
  await expect(
    token.getByText(/^400 invalid_grant: The DPoP proof was made with another key/),
  ).toBeVisible()
  await expect(
    token.getByText('✓ binds the authorization code to the DPoP key (RFC 9449 §10.1)', {
      exact: true,
    }),
  ).toBeVisible()
  await expect(
    token.getByText('✓ issues only sender-constrained access tokens, here by DPoP (RFC 9449)', {
      exact: true,
    }),
  ).toBeVisible()

  const api = await runStep(page, 'Call the API with a proof, then without one')
  await expect(
    api.getByText(/The API answered the DPoP request and refused the bearer one \(401\)/),
  ).toBeVisible()

  const checklist = await runStep(page, 'The FAPI 2.0 checklist, and what this demo cannot meet')
  await expect(
    checklist.getByText(/^14 requirements shown by this run, 5 not met by this local demo\.$/),
  ).toBeVisible()
  await expect(
    checklist.getByText('✗ offers only TLS-protected endpoints (TLS 1.2 or later)', {
      exact: true,
    }),
  ).toBeVisible()
  await expect(
    checklist.getByText(/^Not met by this demo: The demo runs on plain http/),
  ).toBeVisible()
  await expect(
    stepItem(page, 'The FAPI 2.0 checklist').getByRole('link', { name: 'FAPI 2.0 §5.2.1' }).first(),
  ).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.screenshot({ path: test.info().outputPath('fapi2-done.png'), fullPage: true })
})
