/**
 * Runs a flow one step at a time. A run is a plain JSON value, so the page can save it before the
 * browser leaves for the authorization server and pick it up when the browser comes back, or
 * after a reload. Nothing here touches the DOM: the same runner drives flows in Node tests.
 */
import { describeError } from './describe-error.ts'
import type { Flow, FlowData, Step, StepResult } from './flow-model.ts'
import { createHttpCapture, type Transport } from './http-capture.ts'

export interface StepRecord {
  result: StepResult
  startedAt: number
  finishedAt: number
  /** The editor text the step ran with (steps with `input`), so the editor shows it again. */
  input?: string
}

export interface FlowRun {
  version: 1
  flowId: string
  startedAt: number
  /** What the steps saved so far. */
  data: FlowData
  /** The last result of each step that ran, by step id. */
  records: Record<string, StepRecord>
  /** Index of the next step to run; equals `steps.length` when the flow is done. */
  next: number
  /** Set when the browser left for another page and the flow waits for it to come back. */
  awaitingReturn?: { stepId: string; leftAt: number; url: string }
  /** The address the browser came back to, when, and when it had left (for the server log). */
  returned?: { url: string; at: number; stepId?: string; leftAt?: number }
  /**
   * Set once the run's tokens, keys and secrets were dropped (run-secrets.ts): when the flow was
   * finished, or an hour after its last step. The history stays, redacted; no step runs again.
   */
  secretsDropped?: { at: number; reason: 'finished' | 'expired' }
}

export interface RunEnvironment {
  transport: Transport
  appOrigin: string
  now?: () => number
}

export interface RunOptions {
  /** The option picked for a step with `choices` (defaults to its first choice). */
  choice?: string
  /** The editor's text for a step with `input` (defaults to its initial value). */
  input?: string
}

export function createRun(flow: Flow, now = Date.now()): FlowRun {
  return { version: 1, flowId: flow.id, startedAt: now, data: {}, records: {}, next: 0 }
}

export function currentStep(flow: Flow, run: FlowRun): Step | undefined {
  return flow.steps[run.next]
}

export function isFinished(flow: Flow, run: FlowRun): boolean {
  return run.next >= flow.steps.length
}

export function issuerFor(appOrigin: string): string {
  return `${appOrigin}/as`
}

/**
 * Runs the next step and returns the new run. Whatever the step throws becomes an error result
 * (with the HTTP exchanges made before it failed); an error leaves `next` where it was, so the
 * learner can read it and try again or start over. So does an `ok` result with `repeat`.
 */
export async function runNextStep(
  flow: Flow,
  run: FlowRun,
  env: RunEnvironment,
  options: RunOptions = {},
): Promise<FlowRun> {
  const step = currentStep(flow, run)
  if (!step) return run
  const now = env.now ?? Date.now
  if (run.secretsDropped) {
    // The page offers no Run button then; a step must not run on data that is gone.
    const refused: StepResult = {
      status: 'error',
      message:
        'This run’s tokens and keys were dropped an hour after its last step, so it cannot go on. Start over to run the flow again.',
      exchanges: [],
    }
    const at = now()
    return {
      ...run,
      records: { ...run.records, [step.id]: { result: refused, startedAt: at, finishedAt: at } },
    }
  }
  const capture = createHttpCapture(env.transport, now)
  const startedAt = now()
  const issuer = issuerFor(env.appOrigin)
  const input =
    options.input ?? step.input?.initial({ data: run.data, appOrigin: env.appOrigin, issuer, now })
  let result: StepResult
  try {
    result = await step.run({
      data: run.data,
      appOrigin: env.appOrigin,
      issuer,
      returnUrl: run.returned?.url,
      choice: options.choice ?? step.choices?.[0]?.id,
      input,
      fetch: capture.fetch,
      exchanges: capture.exchanges,
      now,
    })
  } catch (error) {
    result = describeError(error, capture.exchanges())
  }
  const finishedAt = now()
  const records = {
    ...run.records,
    [step.id]: {
      result: withoutSave(result),
      startedAt,
      finishedAt,
      ...(input === undefined ? {} : { input }),
    },
  }
  if (result.status === 'error') return { ...run, records }
  const next: FlowRun = {
    ...run,
    records,
    data: { ...run.data, ...result.save },
    // A step that asks to be repeated (polling) stays the next step.
    next: result.repeat ? run.next : run.next + 1,
  }
  if (result.destination?.how === 'navigate') {
    next.awaitingReturn = { stepId: step.id, leftAt: finishedAt, url: result.destination.url }
    next.returned = undefined
  }
  return next
}

function withoutSave(result: StepResult): StepResult {
  if (result.status === 'error' || result.save === undefined) return result
  const { save: _save, ...rest } = result
  return rest
}

/** The browser came back (to the flow's callback route) with this address. */
export function recordReturn(run: FlowRun, url: string, at = Date.now()): FlowRun {
  const left = run.awaitingReturn
  return {
    ...run,
    awaitingReturn: undefined,
    returned: { url, at, stepId: left?.stepId, leftAt: left?.leftAt },
  }
}

/** Reads a saved run back, or undefined if it is missing, corrupt, old or of another flow. */
export function parseRun(text: string | null, flow: Flow): FlowRun | undefined {
  if (!text) return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return undefined
    const run = value as Partial<FlowRun>
    if (run.version !== 1 || run.flowId !== flow.id) return undefined
    if (typeof run.next !== 'number' || run.next < 0 || run.next > flow.steps.length)
      return undefined
    if (typeof run.data !== 'object' || typeof run.records !== 'object') return undefined
    if (typeof run.startedAt !== 'number') return undefined
    if (run.secretsDropped !== undefined && typeof run.secretsDropped?.at !== 'number')
      return undefined
    return run as FlowRun
  } catch {
    return undefined
  }
}
