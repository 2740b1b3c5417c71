import type { Clock, Random } from './deps'

/** The real clock, for the service worker and `npm run as`. */
export function createSystemClock(): Clock {
  return { now: () => Date.now() }
}

/** How many random bytes are drawn from WebCrypto at once. */
const randomPoolBytes = 4096

/**
 * Randomness from WebCrypto, available in workers, browsers and Node alike. Drawn a pool at a
 * time (one `getRandomValues` call per 4 KB instead of one per id) and handed out in copies, each
 * byte once: no two calls ever see the same bytes.
 */
export function createCryptoRandom(): Random {
  const pool = new Uint8Array(randomPoolBytes)
  let used = randomPoolBytes
  return {
    bytes(length) {
      if (length > randomPoolBytes) return crypto.getRandomValues(new Uint8Array(length))
      if (used + length > randomPoolBytes) {
        crypto.getRandomValues(pool)
        used = 0
      }
      const bytes = pool.slice(used, used + length)
      used += length
      return bytes
    },
  }
}
