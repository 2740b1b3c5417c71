import { lifetimes, type ServerContext } from './context'

/**
 * Device authorization records (RFC 8628): one per device authorization request, keyed by the
 * device code, plus an index from the user code to the device code for the verification page.
 * Both live in the store, because the service worker may be stopped between any two requests.
 */
export const deviceCodesKind = 'device-codes'
export const userCodesKind = 'device-user-codes'

export const deviceGrantType = 'urn:ietf:params:oauth:grant-type:device_code'

/** Lifetimes and polling rules of the device flow, in seconds. */
export const deviceFlowTimes = {
  /** How long the device code and user code stay valid (`expires_in`). */
  codeLifetime: 600,
  /** The polling interval a new device code starts with (`interval`). */
  initialInterval: 5,
  /** What `slow_down` adds to the interval, for that poll and every later one (RFC 8628 §3.5). */
  slowDownStep: 5,
} as const

/**
 * - `pending`: the user has not finished at the verification page yet.
 * - `approved` / `denied`: the user decided; the next poll learns it.
 * - `redeemed`: the device got its tokens; the device code is spent.
 */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'redeemed'

export interface DeviceCodeRecord {
  deviceCode: string
  /** Normalised: the eight letters without dash, upper case. */
  userCode: string
  clientId: string
  scopes: string[]
  createdAt: number
  expiresAt: number
  /** Seconds the device must wait between two polls; grows by 5 with each `slow_down`. */
  interval: number
  /** Milliseconds since the epoch of the last token request with this code. */
  lastPolledAt?: number
  status: DeviceCodeStatus
  sub?: string
  authTime?: number
  /** The login session at the verification page that approved it (the `sid` claim). */
  sid?: string
  /** The grant created when the code was redeemed. */
  grantId?: string
}

/**
 * Base-20 consonants: no vowels (so no words form), no digits, and none of the letters people
 * confuse when they copy a code from a TV screen.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
export const userCodeAlphabet = 'BCDFGHJKLMNPQRSTVWXZ'
export const userCodeLength = 8

/**
 * Eight letters drawn without bias: random bytes above the largest multiple of 20 are dropped,
 * so every letter is equally likely (20^8 ≈ 2^34.5 codes).
 */
export function generateUserCode(ctx: ServerContext): string {
  const limit = 256 - (256 % userCodeAlphabet.length)
  let code = ''
  while (code.length < userCodeLength) {
    for (const byte of ctx.deps.random.bytes(userCodeLength * 2)) {
      if (byte >= limit || code.length === userCodeLength) continue
      code += userCodeAlphabet[byte % userCodeAlphabet.length]
    }
  }
  return code
}

/** `BCDFGHJK` → `BCDF-GHJK`, the way the device shows it. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`
}

/**
 * What the user typed, compared case-insensitively and without dashes or spaces, as RFC 8628
 * §6.1 suggests. Returns undefined when it cannot be a user code at all.
 */
export function normalizeUserCode(input: string | undefined): string | undefined {
  if (input === undefined) return undefined
  const code = input.replace(/[\s-]/g, '').toUpperCase()
  const pattern = new RegExp(`^[${userCodeAlphabet}]{${userCodeLength}}$`)
  return pattern.test(code) ? code : undefined
}

export async function findByUserCode(
  ctx: ServerContext,
  userCode: string,
): Promise<DeviceCodeRecord | undefined> {
  const deviceCode = await ctx.deps.store.get<string>(userCodesKind, userCode)
  if (deviceCode === undefined) return undefined
  return ctx.deps.store.get<DeviceCodeRecord>(deviceCodesKind, deviceCode)
}

/** Stores a new device code; it may be purged once expired (a redeemed one lives longer). */
export async function saveDeviceCode(ctx: ServerContext, record: DeviceCodeRecord): Promise<void> {
  await ctx.deps.store.put(deviceCodesKind, record.deviceCode, record, {
    expiresAt: record.expiresAt + lifetimes.expiredGrace,
  })
}

/**
 * Records the user's decision, atomically and under the device code's lock, and only while the
 * code still waits for one: a poll running at the same moment cannot write back a stale record
 * over it (polls change only their polling fields, see `grants/device-code.ts`). Resolves to
 * whether the decision was recorded.
 */
export function decideDeviceCode(
  ctx: ServerContext,
  deviceCode: string,
  decision: { approved: true; sub: string; authTime: number; sid: string } | { approved: false },
): Promise<boolean> {
  return ctx.withLock(`device:${deviceCode}`, async () => {
    let decided = false
    await ctx.deps.store.update<DeviceCodeRecord>(deviceCodesKind, deviceCode, (current) => {
      if (current?.status !== 'pending' || current.expiresAt <= ctx.nowSeconds()) {
        return undefined
      }
      decided = true
      return {
        put: decision.approved
          ? {
              ...current,
              status: 'approved',
              sub: decision.sub,
              authTime: decision.authTime,
              sid: decision.sid,
            }
          : { ...current, status: 'denied' },
      }
    })
    return decided
  })
}

/**
 * The sign-in and consent forms of the verification pages carry a random token, not the user
 * code: whoever started the device flow knows its user code, so a form keyed by it could be
 * posted from another site into a signed-in browser (CSRF). The token is made when the user
 * submits the code and is only ever shown to that browser.
 */
export const verificationsKind = 'device-verifications'

export interface VerificationRecord {
  deviceCode: string
  expiresAt: number
  /** The browser the code was entered in (`browser-binding.ts`); its forms must come from it. */
  browserId?: string
}

export async function createVerification(
  ctx: ServerContext,
  record: DeviceCodeRecord,
  browserId: string | undefined,
): Promise<string> {
  const token = ctx.randomId(32)
  await ctx.deps.store.put<VerificationRecord>(
    verificationsKind,
    token,
    {
      deviceCode: record.deviceCode,
      expiresAt: record.expiresAt,
      ...(browserId === undefined ? {} : { browserId }),
    },
    { expiresAt: record.expiresAt },
  )
  return token
}

export async function findByVerification(
  ctx: ServerContext,
  token: string | undefined,
): Promise<{ record: DeviceCodeRecord; verification: VerificationRecord } | undefined> {
  if (!token) return undefined
  const verification = await ctx.deps.store.get<VerificationRecord>(verificationsKind, token)
  if (!verification || verification.expiresAt <= ctx.nowSeconds()) return undefined
  const record = await ctx.deps.store.get<DeviceCodeRecord>(
    deviceCodesKind,
    verification.deviceCode,
  )
  return record && { record, verification }
}
