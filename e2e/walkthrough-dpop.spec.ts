import {
  expect,
  expectNoAxeViolations,
  openFlowFromHome,
  runStep,
  signInAsAliceAndAllow,
  test,
} from './fixtures.ts'

const flowTitle = /DPoP: tokens bound to a key/

// A whole flow through real navigations, with axe on large pages: allow for it.
test.describe.configure({ timeout: 120_000 })

test('a new user runs the DPoP walkthrough: key pair, nonce retry, bound token, two thefts refused', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)
  await expectNoAxeViolations(page)

  const discover = await runStep(page, 'Discover the server and its DPoP algorithms')
  await expect(discover.getByText('ES256, Ed25519, RS256, PS256', { exact: true })).toBeVisible()

  const key = await runStep(page, 'Make the key pair, and the PKCE verifier')
  await expect(key.getByText('Private key extractable', { exact: true })).toBeVisible()
  await expect(key.getByText('false', { exact: true })).toBeVisible()
  const jkt =
    (await key
      .getByText(/^[A-Za-z0-9_-]{43}$/)
      .first()
      .textContent()) ?? ''
  expect(jkt).toHaveLength(43)

  const authorize = await runStep(page, 'Send the browser to the authorization endpoint, naming')
  await expect(authorize.getByText(jkt).first()).toBeVisible()
  await signInAsAliceAndAllow(page, 'dpop')
  await runStep(page, 'Check the authorization response')

  const token = await runStep(page, 'Exchange the code with a DPoP proof')
  await expect(token.getByText('400 use_dpop_nonce', { exact: true })).toBeVisible()
  const first = token.getByRole('region', { name: 'DPoP proof, first try (no nonce)' })
  const retry = token.getByRole('region', { name: 'DPoP proof, retry (with the server’s nonce)' })
  for (const proof of [first, retry]) {
    await expect(proof.getByText(/"typ": "dpop\+jwt"/)).toBeVisible()
    for (const claim of ['htm', 'htu', 'iat', 'jti']) {
      await expect(proof.getByRole('rowheader', { name: claim, exact: true })).toBeVisible()
    }
  }
  await expect(retry.getByRole('rowheader', { name: 'nonce', exact: true })).toBeVisible()
  await expect(first.getByRole('rowheader', { name: 'nonce', exact: true })).toHaveCount(0)
  await expect(token.getByText('cnf.jkt in the access token', { exact: true })).toBeVisible()
  await expect(token.getByText(/^✓ the same: the token works only with proofs/)).toBeVisible()
  const access = token.getByRole('region', { name: 'Access token (DPoP-bound)' })
  await expect(access.getByRole('rowheader', { name: 'cnf', exact: true })).toBeVisible()
  await expect(access.getByText(`{"jkt":"${jkt}"}`, { exact: true })).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('dpop-token.png'), fullPage: true })

  const api = await runStep(page, 'Call the API with the token and a proof')
  await expect(api.getByText('ath in the proof', { exact: true })).toBeVisible()
  await expect(
    api.getByText('✓ the same: this proof covers this very token', { exact: true }),
  ).toBeVisible()
  await expect(api.getByText('API answer from /api/profile', { exact: true })).toBeVisible()
  const apiProof = api.getByRole('region', { name: 'DPoP proof for the API call' })
  await expect(apiProof.getByRole('rowheader', { name: 'ath', exact: true })).toBeVisible()

  const bearer = await runStep(page, 'Steal the token, and replay it as a bearer token')
  await expect(
    bearer.getByText(/Refused as expected: the API answered 401 invalid_token/),
  ).toBeVisible()
  await expect(
    bearer.getByText(/^Bearer realm="grantlab-api", error="invalid_token"/),
  ).toBeVisible()

  const otherKey = await runStep(page, 'Replay it with a proof from another key')
  await expect(
    otherKey.getByText(/Refused as expected: the API answered 401 invalid_token/),
  ).toBeVisible()
  await expect(
    otherKey.getByText('Thumbprint of the attacker’s key', { exact: true }),
  ).toBeVisible()

  const refresh = await runStep(page, 'Refresh: the stolen refresh token fails too')
  await expect(refresh.getByText(/The thief was refused \(invalid_grant\)/)).toBeVisible()

  await runStep(page, 'Forget the key pair')
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
  await page.screenshot({ path: test.info().outputPath('dpop-done.png'), fullPage: true })
})
