/**
 * What the walkthroughs' unit tests share: a test server, and a way to run a flow's next step
 * against it through the runner (oauth4webapi unmocked), the run saved and reloaded after every
 * step as sessionStorage does after a reload.
 */
import { decodeProtectedHeader, generateKeyPair, type JWTHeaderParameters, SignJWT } from 'jose'
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
  /** Plays an attacker between the client and the server: may replace any response. */
  intercept?: (request: Request, response: Response) => Promise<Response>
}

export function setUpFlow(flow: Flow, options: FlowTestOptions = {}): FlowTestSetup {
  const t = options.t ?? createTestAuthorizationServer()
  const env: RunEnvironment = {
    transport: async (request: Request) => {
      const response = await t.server.handle(request.clone())
      return options.intercept ? options.intercept(request, response) : response
    },
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

/**
 * An ID token with the same header (alg, kid) and claims, signed by a key the server never
 * published: what a forger without the server's private key can make.
 */
export async function forgeIdToken(idToken: string): Promise<string> {
  const header = decodeProtectedHeader(idToken) as JWTHeaderParameters
  const claims = JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(
        atob((idToken.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/')),
        (c) => c.charCodeAt(0),
      ),
    ),
  )
  const { privateKey } = await generateKeyPair(header.alg, { extractable: false })
  return new SignJWT(claims).setProtectedHeader(header).sign(privateKey)
}

/** The server's ID token with one claim changed and its original signature kept. */
export function alterIdToken(idToken: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = idToken.split('.')
  const claims = JSON.parse(atob((payload ?? '').replace(/-/g, '+').replace(/_/g, '/')))
  const altered = btoa(JSON.stringify({ ...claims, ...changes }))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
  return `${header}.${altered}.${signature}`
}

/**
 * An interceptor that replaces the `id_token` of successful token-endpoint responses with what
 * `replace` makes of it: all of them, or those whose count (1, 2, …) `only` picks.
 */
export function replaceTokenEndpointIdToken(
  replace: (idToken: string) => string | Promise<string>,
  options: { only?: (count: number) => boolean } = {},
) {
  let count = 0
  return async (request: Request, response: Response): Promise<Response> => {
    if (!new URL(request.url).pathname.endsWith('/token') || response.status !== 200) {
      return response
    }
    const body = (await response.clone().json()) as Record<string, unknown>
    if (typeof body.id_token !== 'string') return response
    count += 1
    if (options.only && !options.only(count)) return response
    body.id_token = await replace(body.id_token)
    return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
  }
}
