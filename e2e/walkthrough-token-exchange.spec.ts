import { expect, expectNoAxeViolations, openFlowFromHome, runStep, test } from './fixtures.ts'

const flowTitle = /Token exchange/

test.describe.configure({ timeout: 120_000 })

test('a new user exchanges alice’s token: impersonation, delegation with act side by side, invalid_target', async ({
  page,
}) => {
  await openFlowFromHome(page, flowTitle)

  await runStep(page, 'Discover the authorization server')
  const subject = await runStep(page, 'Get an access token for alice')
  await expect(subject.getByRole('region', { name: /Subject token/ })).toBeVisible()

  const impersonation = await runStep(page, 'Exchange it for an orders-service token')
  await expect(
    impersonation.getByText('urn:ietf:params:oauth:token-type:access_token').first(),
  ).toBeVisible()
  const after = impersonation.getByRole('region', { name: 'After: exchanged token' })
  await expect(after.getByText('https://orders.grantlab.example')).toBeVisible()
  await expect(impersonation.getByRole('region', { name: 'Before: subject token' })).toBeVisible()

  await runStep(page, 'Get the service’s own token')
  const delegation = await runStep(page, 'Exchange again with the actor token')
  const delegated = delegation.getByRole('region', { name: 'Delegation token' })
  await expect(delegated.getByRole('rowheader', { name: 'act' })).toBeVisible()
  await expect(delegated.getByText('{"sub":"grantlab-exchanger"}')).toBeVisible()
  const impersonated = delegation.getByRole('region', { name: 'Impersonation token' })
  await expect(impersonated.getByRole('rowheader', { name: 'act' })).toHaveCount(0)
  // Side by side: the two inspectors share a row on a wide screen.
  const left = await impersonated.boundingBox()
  const right = await delegated.boundingBox()
  expect(left && right && Math.abs(left.y - right.y) < 2 && right.x > left.x).toBe(true)

  const refused = await runStep(page, 'Ask for an audience the server does not know')
  await expect(refused.getByText('The server refused with invalid_target.')).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Walkthrough complete' })).toBeVisible()
  await expectNoAxeViolations(page)
})
