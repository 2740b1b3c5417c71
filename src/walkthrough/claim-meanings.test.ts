import { expect, test } from 'vitest'
import { claimMeaning } from './claim-meanings.ts'

test('sub is labelled by whom the token names: the user, or the client itself', () => {
  expect(claimMeaning('sub', { subject: 'user' })).toMatch(/the user/)
  // Client credentials and actor tokens: the subject is the client (review 2026-12, “Misleading”).
  expect(claimMeaning('sub', { subject: 'client' })).toMatch(/the client itself/)
  expect(claimMeaning('sub', { subject: 'client' })).not.toMatch(/user\b(?! takes)/)
  // Unknown: no guess.
  expect(claimMeaning('sub', {})).toBe('Subject: whom the token is about')
})

test('other claims keep one meaning whatever the token', () => {
  expect(claimMeaning('act', { subject: 'user' })).toMatch(/^Actor/)
  expect(claimMeaning('azp', {})).toMatch(/^Authorized party/)
  expect(claimMeaning('x-custom', {})).toBe('')
})
