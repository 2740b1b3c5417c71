import { expect, test } from 'vitest'
import { createCryptoRandom } from './host'

test('pooled randomness hands out every byte once, in copies, across refills and for large requests', () => {
  const random = createCryptoRandom()
  const seen = new Set<string>()
  // 700 ids of 16 bytes span three pools; a repeat would mean bytes were handed out twice.
  for (let index = 0; index < 700; index += 1) {
    const bytes = random.bytes(16)
    expect(bytes).toHaveLength(16)
    seen.add(Buffer.from(bytes).toString('hex'))
  }
  expect(seen.size).toBe(700)
  // A copy: changing it changes nothing the next caller gets.
  const first = random.bytes(32)
  first.fill(0)
  expect(random.bytes(32).some((byte) => byte !== 0)).toBe(true)
  expect(random.bytes(10_000)).toHaveLength(10_000)
})
