/**
 * What the walkthroughs' unit tests share: a test server, and a way to run a flow's next step
 * against it through the runner (oauth4webapi unmocked), the run saved and reloaded after every
 * step as sessionStorage does after a reload.
 */
import {
  createTestAuthorizationServer,
  type TestAuthorizationServer,
  testAppOrigin,
} from '../mock-as/core/test-server.ts'
import type { Flow, StepResult } from './flow-model.ts'
import {
  type FlowRun,
  parseRun,
  type RunEnvironment,
  type RunOptions,
  runNextStep,
} from './flow-runner.ts'

export type RunStep = (run: FlowRun, options?: RunOptions) => Promise<FlowRun>

export interface FlowTestSetup {
  t: TestAuthorizationServer
  step: RunStep
}

export interface FlowTestOptions {
  /** The server to run against (default: a fresh one). */
  t?: TestAuthorizationServer
  /** Give the runner the server's settable clock, so waiting takes no real time. */
  serverClock?: boolean
}

export function setUpFlow(flow: Flow, options: FlowTestOptions = {}): FlowTestSetup {
  const t = options.t ?? createTestAuthorizationServer()
  const env: RunEnvironment = {
    transport: (request: Request) => t.server.handle(request),
    appOrigin: testAppOrigin,
    ...(options.serverClock ? { now: () => t.clock.now() } : {}),
  }
  const step: RunStep = async (run, runOptions = {}) => {
    const next = await runNextStep(flow, run, env, runOptions)
    return parseRun(JSON.stringify(next), flow) ?? next
  }
  return { t, step }
}

/** The last result of a step; throws if it did not run. */
export function resultOf(run: FlowRun, stepId: string): StepResult {
  const result = run.records[stepId]?.result
  if (!result) throw new Error(`step ${stepId} did not run`)
  return result
}

/** Runs every remaining step; throws at the first that fails, with its message and detail. */
export async function runRemainingSteps(flow: Flow, step: RunStep, start: FlowRun) {
  let run = start
  while (run.next < flow.steps.length) {
    const stepId = flow.steps[run.next]?.id ?? ''
    run = await step(run)
    const result = resultOf(run, stepId)
    if (result.status === 'error') throw new Error(`${stepId}: ${result.message} ${result.detail}`)
  }
  return run
}
