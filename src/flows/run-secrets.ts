/**
 * What a walkthrough keeps of a run once it no longer needs its secrets (docs/decisions/081).
 * While a flow runs, its saved copy must hold the PKCE verifier, tokens and private keys: the
 * browser leaves for the server and comes back, and a reload must not lose the run. When the flow
 * is finished, or an hour after its last step, the saved copy drops them: `data` (what later
 * steps would read) is emptied, and every recorded request, token and value is redacted with the
 * same rules as the server's traffic log, so the history still says what happened.
 *
 * DOM-free and small (it never imports the runner's code, only its types): the app's start-up
 * sweep loads it without the flows.
 */
import {
  collectExchangeSecrets,
  privateJwkMembers,
  redactExchange,
  redactedMarker,
  redactToken,
  redactUrl,
  rememberSecret,
  replaceSecrets,
  type SecretReplacements,
  secretParameterNames,
} from '../mock-as/redaction.ts'
import type { Flow, FlowData, JsonValue, ShownValue, StepResult } from './flow-model.ts'
import type { FlowRun, StepRecord } from './flow-runner.ts'

/** How long after its last step a run keeps its secrets. */
export const secretsLifetimeMs = 60 * 60 * 1000

/** When the run last did something: its start, a step, the browser leaving or coming back. */
export function lastActivity(run: FlowRun): number {
  let latest = run.startedAt
  for (const record of Object.values(run.records)) latest = Math.max(latest, record.finishedAt)
  if (run.returned) latest = Math.max(latest, run.returned.at)
  if (run.awaitingReturn) latest = Math.max(latest, run.awaitingReturn.leftAt)
  return latest
}

export function secretsExpireAt(run: FlowRun): number {
  return lastActivity(run) + secretsLifetimeMs
}

/** Flow data members that hold a token, a key or a secret: accessToken, refreshTokens… */
const secretDataKey = /(token|tokens|verifier|secret|password|assertion|devicecode|authreqid)$/i

function collectDataSecrets(
  value: JsonValue | undefined,
  key: string | undefined,
  secrets: SecretReplacements,
): void {
  if (typeof value === 'string') {
    if (key !== undefined && secretDataKey.test(key))
      rememberSecret(secrets, value, redactToken(value))
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) collectDataSecrets(item, key, secrets)
    return
  }
  if (typeof value !== 'object' || value === null) return
  const isJwk = typeof value.kty === 'string'
  for (const [name, member] of Object.entries(value)) {
    if (isJwk && privateJwkMembers.has(name) && typeof member === 'string') {
      rememberSecret(secrets, member, redactedMarker)
    } else collectDataSecrets(member, name, secrets)
  }
}

/**
 * The parameter a shown value is labelled with: "body: password", "#access_token",
 * "client_secret", "password (typed into the app)" → the name; "Token endpoint" → no name.
 */
function parameterNameOf(label: string): string {
  return label
    .toLowerCase()
    .replace(/^body:\s*/, '')
    .replace(/^#/, '')
    .replace(/\s*\(.*\)$/, '')
}

/** A shown value that is a secret by its label: one word, no "none", no address. */
function isSecretValue(shown: ShownValue): boolean {
  return (
    secretParameterNames.has(parameterNameOf(shown.label)) &&
    /^\S{8,}$/.test(shown.value) &&
    !/^https?:/.test(shown.value)
  )
}

function collectResultSecrets(result: StepResult, secrets: SecretReplacements): void {
  for (const exchange of result.exchanges) collectExchangeSecrets(exchange, secrets)
  for (const token of result.status === 'ok' ? (result.tokens ?? []) : []) {
    rememberSecret(secrets, token.value, redactToken(token.value))
  }
  for (const shown of result.values ?? []) {
    if (isSecretValue(shown)) rememberSecret(secrets, shown.value, redactToken(shown.value))
    if (/^https?:\/\/\S+$/.test(shown.value)) redactUrl(shown.value, secrets)
  }
}

function redactValues(values: ShownValue[] | undefined): { values?: ShownValue[] } {
  if (!values) return {}
  return {
    values: values.map((shown) =>
      isSecretValue(shown) ? { ...shown, value: redactToken(shown.value) } : shown,
    ),
  }
}

function redactResult(result: StepResult, secrets: SecretReplacements): StepResult {
  const exchanges = result.exchanges.map((exchange) => redactExchange(exchange, secrets))
  if (result.status === 'error') {
    return replaceSecrets({ ...result, exchanges, ...redactValues(result.values) }, secrets)
  }
  // Nothing is left to follow: the run is over.
  const { destination: _destination, ...kept } = result
  return replaceSecrets(
    {
      ...kept,
      exchanges,
      ...redactValues(result.values),
      ...(result.tokens
        ? { tokens: result.tokens.map((token) => ({ ...token, value: redactToken(token.value) })) }
        : {}),
    },
    secrets,
  )
}

/** The run without its secrets; its history stays, redacted. Applying it twice changes nothing. */
export function withoutSecrets(
  run: FlowRun,
  reason: 'finished' | 'expired',
  now = Date.now(),
): FlowRun {
  if (run.secretsDropped) return run
  const secrets: SecretReplacements = new Map()
  collectDataSecrets(run.data as JsonValue, undefined, secrets)
  for (const record of Object.values(run.records)) collectResultSecrets(record.result, secrets)
  const returnedUrl = run.returned ? redactUrl(run.returned.url, secrets) : undefined
  const records: Record<string, StepRecord> = {}
  for (const [stepId, record] of Object.entries(run.records)) {
    records[stepId] = {
      ...record,
      result: redactResult(record.result, secrets),
      ...(record.input === undefined ? {} : { input: replaceSecrets(record.input, secrets) }),
    }
  }
  const { awaitingReturn: _awaitingReturn, returned, ...kept } = run
  return {
    ...kept,
    data: {} satisfies FlowData,
    records,
    ...(returned && returnedUrl !== undefined
      ? { returned: { ...returned, url: replaceSecrets(returnedUrl, secrets) } }
      : {}),
    secretsDropped: { at: now, reason },
  }
}

/** What may be written to storage: the run itself while it needs its secrets, else without them. */
export function storableRun(run: FlowRun, flow: Pick<Flow, 'steps'>, now = Date.now()): FlowRun {
  if (run.secretsDropped) return run
  if (run.next >= flow.steps.length) return withoutSecrets(run, 'finished', now)
  if (now >= secretsExpireAt(run)) return withoutSecrets(run, 'expired', now)
  return run
}

/** A saved run of any flow, checked just enough to be redacted (the flow is not loaded). */
export function readStoredRun(text: string | null): FlowRun | undefined {
  if (!text) return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return undefined
    const run = value as Partial<FlowRun>
    if (run.version !== 1 || typeof run.flowId !== 'string') return undefined
    if (typeof run.startedAt !== 'number' || typeof run.next !== 'number') return undefined
    if (typeof run.data !== 'object' || run.data === null) return undefined
    if (typeof run.records !== 'object' || run.records === null) return undefined
    return run as FlowRun
  } catch {
    return undefined
  }
}
