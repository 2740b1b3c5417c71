import type { ServerContext } from './context'
import { timingSafeEqual } from './http'

/**
 * Guessing protection for every place that checks a password: the password grant, the sign-in
 * page of `/as/authorize` and the one of the device verification pages (RFC 6749 §10.10,
 * §4.3.2). One count per submitted username, shared by all three, so moving from one form to
 * another does not give an attacker new tries (docs/decisions/063, 073).
 */
export const passwordAttemptsKind = 'password-attempts'

/** Failed attempts per username before that username is refused for a while. */
export const passwordAttemptLimit = 5
/** How long a username stays locked after too many failures, in seconds. */
export const passwordLockSeconds = 5 * 60

/** Failed attempts for one username, kept in the store. */
export interface PasswordAttempts {
  failures: number
  /** While set and in the future, every attempt for this username fails. */
  lockedUntil?: number
}

export type PasswordCheck =
  | { ok: true; sub: string }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; retryAfter: number }

/**
 * Checks a username and password under the username's lock: a locked username fails even with
 * the right password; a failure counts (and the fifth locks); a success clears the count. The
 * count and the lock expire from the store on their own after {@link passwordLockSeconds} without
 * failures.
 */
export function checkPassword(
  ctx: ServerContext,
  username: string,
  password: string,
): Promise<PasswordCheck> {
  return ctx.withLock(`password:${username}`, async () => {
    const now = ctx.nowSeconds()
    const attempts = await ctx.deps.store.get<PasswordAttempts>(passwordAttemptsKind, username)
    if (attempts?.lockedUntil !== undefined && attempts.lockedUntil > now) {
      return { ok: false, reason: 'locked', retryAfter: attempts.lockedUntil - now }
    }
    const user = ctx.directory.userByUsername(username)
    if (!user || !timingSafeEqual(password, user.password)) {
      await ctx.deps.store.update<PasswordAttempts>(passwordAttemptsKind, username, (current) => {
        const stillLocked = current?.lockedUntil !== undefined && current.lockedUntil > now
        const failures = (stillLocked ? 0 : (current?.failures ?? 0)) + 1
        const next: PasswordAttempts =
          failures >= passwordAttemptLimit
            ? { failures: 0, lockedUntil: now + passwordLockSeconds }
            : { failures }
        return { put: next, options: { expiresAt: now + passwordLockSeconds } }
      })
      return { ok: false, reason: 'wrong' }
    }
    if (attempts) await ctx.deps.store.delete(passwordAttemptsKind, username)
    return { ok: true, sub: user.sub }
  })
}

/** The sentence the sign-in pages show for a locked username. */
export function lockedMessage(retryAfter: number): string {
  const minutes = Math.ceil(retryAfter / 60)
  return `Too many wrong passwords for this username. It is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}, even with the right password, to stop guessing (RFC 6749 section 10.10). Try again later.`
}
