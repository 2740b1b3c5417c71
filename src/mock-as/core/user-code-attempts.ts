import type { ServerContext } from './context'

/**
 * RFC 8628 §5.1: a user code is short enough to type, so it can be guessed; the verification page
 * must limit how often codes may be tried. This server counts wrong codes server-wide (one
 * browser behind the service worker; every caller in Node, where a request carries no
 * trustworthy client address) in fixed windows: after {@link userCodeAttemptLimit} wrong codes
 * in {@link userCodeWindowSeconds} seconds, the page refuses every code until the window ends.
 * With 20^8 codes that leaves a guesser no chance within a code's ten minutes, at the price that
 * one guesser delays everyone for a minute (docs/decisions/073).
 */
export const userCodeAttemptsKind = 'device-user-code-attempts'
export const userCodeAttemptLimit = 10
export const userCodeWindowSeconds = 60

const counterId = 'all'

interface UserCodeAttempts {
  windowStart: number
  failures: number
}

/** Seconds until codes may be entered again, or undefined when they may be entered now. */
export async function userCodeEntryBlockedFor(ctx: ServerContext): Promise<number | undefined> {
  const attempts = await ctx.deps.store.get<UserCodeAttempts>(userCodeAttemptsKind, counterId)
  const now = ctx.nowSeconds()
  if (!attempts || attempts.failures < userCodeAttemptLimit) return undefined
  const reopensAt = attempts.windowStart + userCodeWindowSeconds
  return reopensAt > now ? reopensAt - now : undefined
}

/** Counts one wrong code (atomically: concurrent guesses all count). */
export async function recordWrongUserCode(ctx: ServerContext): Promise<void> {
  const now = ctx.nowSeconds()
  await ctx.deps.store.update<UserCodeAttempts>(userCodeAttemptsKind, counterId, (current) => {
    const sameWindow = current !== undefined && now < current.windowStart + userCodeWindowSeconds
    const next = sameWindow
      ? { windowStart: current.windowStart, failures: current.failures + 1 }
      : { windowStart: now, failures: 1 }
    return { put: next, options: { expiresAt: next.windowStart + userCodeWindowSeconds } }
  })
}
