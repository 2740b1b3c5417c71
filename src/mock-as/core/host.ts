import type { Clock, Random } from './deps'

/** The real clock, for the service worker and `npm run as`. */
export function createSystemClock(): Clock {
  return { now: () => Date.now() }
}

/** Randomness from WebCrypto, available in workers, browsers and Node alike. */
export function createCryptoRandom(): Random {
  return { bytes: (length) => crypto.getRandomValues(new Uint8Array(length)) }
}
