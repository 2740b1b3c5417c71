/**
 * Runs an attack from its first step to its outcome (docs/decisions/125). Every step's requests
 * are recorded for the HTTP inspector, and the run is reported after each change so the page can
 * show the steps as they happen. Nothing here touches the DOM: the page hands in a frame for the
 * victim's browser, Node tests hand in drivers, and the steps run alike.
 */
import { describeError } from '../flows/describe-error.ts'
import { issuerFor } from '../flows/flow-runner.ts'
import { createHttpCapture, type Transport } from '../flows/http-capture.ts'
import {
  type Attack,
  type AttackContext,
  type AttackOutcome,
  AttackStopped,
  type HttpExchange,
  ServerRefusal,
  type ShownToken,
  type ShownValue,
  type StoppedAt,
  type UserAgent,
} from './attack-model.ts'

export interface AttackStepRecord {
  stepId: string
  status: 'running' | 'done' | 'stopped' | 'failed'
  summary?: string
  values: ShownValue[]
  tokens: ShownToken[]
  notes: string[]
  exchanges: HttpExchange[]
  /** The error that ended the step (a stopped or failed one). */
  error?: { code?: string; message: string; detail?: string }
  startedAt: number
  finishedAt?: number
}

export interface AttackRun {
  attackId: string
  defence: boolean
  startedAt: number
  finishedAt?: number
  /** The steps that ran, in order; the last may still be running. */
  records: AttackStepRecord[]
  outcome?: AttackOutcome
}

export interface AttackEnvironment {
  /** How the recorded requests leave: `fetch` in the browser, the servers' `handle` in tests. */
  transport: Transport
  appOrigin: string
  victim: UserAgent
  attacker: UserAgent
  now?: () => number
  /** Called with a fresh copy of the run after every change. */
  onProgress?: (run: AttackRun) => void
  /** Awaited after each step: the page pauses there when the learner asked it to. */
  afterStep?: (stepId: string) => Promise<void>
}

/** The malicious authorization server's issuer next to the honest one (docs/decisions/127). */
export function evilIssuerFor(appOrigin: string): string {
  return `${appOrigin}/evil-as`
}

/** A refusal that was not the one the defence raises: the run reports it as an error. */
type Described = { code?: string; message: string; detail?: string }

class UnexpectedRefusal extends Error {
  constructor(check: string, described: Described) {
    super(
      `This step failed, but not at the ${check} check: ${described.message}${described.detail ? ` (${described.detail})` : ''}`,
    )
    this.name = 'UnexpectedRefusal'
  }
}

/** AttackStopped, once the runner knows in which step it was thrown. */
class StepStopped extends Error {
  readonly stoppedAt: StoppedAt
  constructor(stoppedAt: StoppedAt) {
    super(stoppedAt.message)
    this.stoppedAt = stoppedAt
  }
}

class StepFailed extends Error {
  readonly stepId: string
  readonly described: Described
  constructor(stepId: string, described: Described) {
    super(described.message)
    this.stepId = stepId
    this.described = described
  }
}

function describeFailure(error: unknown): Described {
  if (error instanceof UnexpectedRefusal) return { message: error.message }
  if (error instanceof ServerRefusal) {
    return {
      code: error.code,
      message: `The authorization server refused ${error.where}${error.status ? ` (${error.status})` : ''} with ${error.code}.`,
      detail: error.message,
    }
  }
  const described = describeError(error, [])
  return {
    ...(described.code === undefined ? {} : { code: described.code }),
    message: described.message,
    // oauth4webapi's own errors carry their inputs as detail (JSON): the message says it all.
    ...(described.detail === undefined || described.code?.startsWith('OAUTH_')
      ? {}
      : { detail: described.detail }),
  }
}

export async function runAttack(
  attack: Attack,
  defence: boolean,
  env: AttackEnvironment,
): Promise<AttackRun> {
  const now = env.now ?? Date.now
  const run: AttackRun = { attackId: attack.id, defence, startedAt: now(), records: [] }
  const report = () => env.onProgress?.(structuredClone(run))
  const stepIds = new Set(attack.steps.map((step) => step.id))

  const ctx: AttackContext = {
    defence,
    appOrigin: env.appOrigin,
    issuer: issuerFor(env.appOrigin),
    evilIssuer: evilIssuerFor(env.appOrigin),
    attackerOrigin: env.appOrigin,
    victim: env.victim,
    attacker: env.attacker,
    now,
    stopped(error, { expected, ...check }) {
      const described = describeFailure(error)
      const text = `${described.message} ${described.detail ?? ''}`
      const matches =
        (expected.code === undefined || described.code === expected.code) &&
        (expected.text === undefined || expected.text.test(text))
      if (!matches) return new UnexpectedRefusal(check.check, described)
      return new AttackStopped({
        ...check,
        ...(described.code === undefined ? {} : { code: described.code }),
        message: described.detail ? `${described.message} ${described.detail}` : described.message,
      })
    },
    async step(stepId, body) {
      if (!stepIds.has(stepId)) throw new Error(`Attack ${attack.id} has no step ${stepId}`)
      const capture = createHttpCapture(env.transport, now)
      const record: AttackStepRecord = {
        stepId,
        status: 'running',
        values: [],
        tokens: [],
        notes: [],
        exchanges: [],
        startedAt: now(),
      }
      run.records.push(record)
      report()
      const finish = (status: AttackStepRecord['status']) => {
        record.status = status
        record.exchanges = capture.exchanges()
        record.finishedAt = now()
        report()
      }
      try {
        const value = await body({
          fetch: capture.fetch,
          quietFetch: (url, init) => env.transport(new Request(url, init)),
          show: (shown) => record.values.push(shown),
          token: (token) => record.tokens.push(token),
          note: (text) => record.notes.push(text),
          summary: (text) => {
            record.summary = text
          },
        })
        finish('done')
        await env.afterStep?.(stepId)
        return value
      } catch (error) {
        if (error instanceof AttackStopped) {
          record.error = {
            ...(error.stoppedAt.code === undefined ? {} : { code: error.stoppedAt.code }),
            message: error.stoppedAt.message,
          }
          finish('stopped')
          throw new StepStopped({ ...error.stoppedAt, stepId })
        }
        if (error instanceof StepStopped || error instanceof StepFailed) throw error
        record.error = describeFailure(error)
        finish('failed')
        throw new StepFailed(stepId, record.error)
      }
    },
  }

  let outcome: AttackOutcome
  try {
    outcome = await attack.run(ctx)
  } catch (error) {
    if (error instanceof StepStopped) {
      outcome = {
        status: 'stopped',
        summary: `The attack was stopped at the ${error.stoppedAt.check} check (${error.stoppedAt.spec.label}).`,
        stoppedAt: error.stoppedAt,
      }
    } else if (error instanceof StepFailed) {
      outcome = {
        status: 'error',
        summary: `The attack could not be played to its end: ${error.described.message}`,
        stepId: error.stepId,
        ...(error.described.detail ? { detail: error.described.detail } : {}),
      }
    } else {
      outcome = {
        status: 'error',
        summary: `The attack could not run: ${describeFailure(error).message}`,
      }
    }
  }
  run.outcome = outcome
  run.finishedAt = now()
  report()
  return structuredClone(run)
}
