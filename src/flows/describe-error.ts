/**
 * Turns whatever a step threw into a value the walkthrough can show. oauth4webapi reports protocol
 * failures by throwing; the learner should see them as results ("the server said invalid_grant"),
 * never as a broken page.
 */
import * as oauth from 'oauth4webapi'
import type { HttpExchange, StepError } from './flow-model.ts'

export function describeError(error: unknown, exchanges: HttpExchange[]): StepError {
  if (error instanceof oauth.ResponseBodyError) {
    return {
      status: 'error',
      message: `The server answered ${error.status} with the OAuth error "${error.error}".`,
      code: error.error,
      detail: error.error_description,
      exchanges,
    }
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return {
      status: 'error',
      message: `The authorization server sent the browser back with the error "${error.error}".`,
      code: error.error,
      detail: error.error_description,
      exchanges,
    }
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0]
    const code = challenge?.parameters.error
    return {
      status: 'error',
      message: `The server answered ${error.status} with a ${challenge?.scheme ?? 'WWW-Authenticate'} challenge${code ? ` ("${code}")` : ''}.`,
      code,
      detail: challenge?.parameters.error_description,
      exchanges,
    }
  }
  if (error instanceof oauth.OperationProcessingError) {
    return {
      status: 'error',
      message: `oauth4webapi rejected what it received: ${error.message}`,
      code: error.code,
      detail: describeCause(error.cause),
      exchanges,
    }
  }
  if (error instanceof oauth.UnsupportedOperationError) {
    return {
      status: 'error',
      message: `oauth4webapi does not support this: ${error.message}`,
      code: error.code,
      exchanges,
    }
  }
  if (error instanceof TypeError && /fetch|network/i.test(error.message)) {
    return {
      status: 'error',
      message:
        'The request did not reach the mock server. Is it running? (See the badge in the header; a hard reload bypasses it.)',
      detail: error.message,
      exchanges,
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string'
      ? error.code
      : undefined
  return { status: 'error', message: `This step failed: ${message}`, code, exchanges }
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined
  if (cause instanceof Response) return `HTTP ${cause.status}`
  if (typeof cause === 'string') return cause
  try {
    return JSON.stringify(cause, (_key, value: unknown) =>
      value instanceof Response ? `HTTP ${value.status}` : value,
    )
  } catch {
    return undefined
  }
}
