/**
 * A flow (one OAuth grant) is data: its actors, its steps, and for each step an explanation, the
 * spec section it follows and a `run(ctx)` that performs the real work. One generic walkthrough
 * renders any flow (docs/decisions/021).
 */
import type { HttpExchange } from '../mock-as/traffic.ts'
import type { SpecRef } from '../shared/spec-links.ts'

export type { HttpExchange } from '../mock-as/traffic.ts'
export type { SpecRef } from '../shared/spec-links.ts'

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined }

/**
 * What a flow remembers between steps (verifier, state, tokens, server metadata…). It must be
 * JSON: it is saved in sessionStorage so it survives the redirect to the server and a reload.
 */
export type FlowData = { [key: string]: JsonValue | undefined }

/** A participant in the flow; a lifeline on the sequence diagram. */
export interface Actor {
  id: string
  label: string
  /** One line on who this is, for the diagram's description. */
  description: string
}

/**
 * - `request`: the client sends an HTTP request itself (fetch) and reads the answer.
 * - `redirect`: the browser travels (a navigation to the server, or the server's redirect back).
 * - `local`: the client computes or checks something without talking to anyone.
 */
export type StepKind = 'request' | 'redirect' | 'local'

/** A labelled value the step wants the learner to see (a verifier, a URL, an API answer…). */
export interface ShownValue {
  label: string
  value: string
  /**
   * `json` values are pretty-printed, `url` values are broken into their query parameters, `qr`
   * values (a URL) are drawn as a QR code with the text beside it.
   */
  format?: 'text' | 'json' | 'url' | 'qr'
  note?: string
  /** The section the value is checked against (a checklist line), linked after the note. */
  spec?: SpecRef
}

export type SignatureStatus = 'verified' | 'not-checked' | 'not-applicable'

/** A token the step received, for the token inspector. */
export interface ShownToken {
  label: string
  /** The token exactly as received. JWTs are decoded by the inspector. */
  value: string
  signature: SignatureStatus
  /** Why the signature has this status, in a sentence. */
  signatureNote?: string
  /**
   * Whom the token's `sub` names: a `user` (ID tokens, a user's access tokens) or the `client`
   * itself (client credentials, an actor token, a client assertion). The inspector labels `sub`
   * by it; without it, `sub` is described without guessing.
   */
  subject?: 'user' | 'client'
  /** Meanings for this token's claims where the usual ones do not fit (a DPoP proof's `nonce`). */
  claimMeanings?: Record<string, string>
}

/**
 * Where the browser must go after the step:
 * - `navigate`: this tab leaves the app (the flow state is saved first) and comes back through
 *   the flow's callback route, e.g. the authorization request.
 * - `pane`: the address opens in a frame beside the steps (a second device, e.g. the phone of
 *   the device flow), while the walkthrough keeps running.
 * - `new-tab`: the learner opens the address in another tab.
 */
export interface Destination {
  url: string
  how: 'navigate' | 'pane' | 'new-tab'
  /** The frame's title for `pane` (e.g. "Phone: verification page"). */
  paneTitle?: string
  /** The button's text, e.g. "Continue to the authorization server". */
  label: string
  /** What the learner does there, in a sentence or two. */
  hint?: string
}

export interface StepOk<D extends FlowData> {
  status: 'ok'
  /** One sentence on what happened. */
  summary: string
  exchanges: HttpExchange[]
  values?: ShownValue[]
  tokens?: ShownToken[]
  notes?: string[]
  /** Data to remember for the following steps (merged into the flow data). */
  save?: Partial<D>
  destination?: Destination
  /**
   * The step is not over yet: run it again (polling). The runner keeps it as the next step; the
   * page runs it again after `afterSeconds` and offers a button to run it at once.
   */
  repeat?: StepRepeat
  /** `side-by-side` shows the tokens in columns, to compare them (default: one under another). */
  tokenLayout?: 'stacked' | 'side-by-side'
}

export interface StepRepeat {
  afterSeconds: number
  /** The button that runs the step again before the wait is over (e.g. "Poll too fast"). */
  runNowLabel: string
  /** The countdown's label (e.g. "Next poll" → "Next poll in 5 seconds"). */
  waitingLabel: string
}

/** What a step's input editor may read to fill itself: the data so far, never the network. */
export interface InputContext<D extends FlowData> {
  data: Readonly<Partial<D>>
  appOrigin: string
  issuer: string
  now(): number
}

/** A ready-made value for a step's input (e.g. "an expired assertion"). */
export interface StepInputPreset<D extends FlowData> {
  label: string
  /** One line on what the preset changes. */
  description?: string
  value(ctx: InputContext<D>): string
}

/**
 * Text the learner writes before running a step (e.g. the claims of an assertion). The page
 * shows a labelled editor filled with `initial`, and `ctx.input` gets what it holds when the
 * learner runs the step. The runner falls back to `initial` when no input is given (Node tests).
 */
export interface StepInput<D extends FlowData> {
  /** `json` editors say when their text does not parse (the step still decides what to do). */
  kind: 'json' | 'text'
  label: string
  hint?: string
  initial(ctx: InputContext<D>): string
  presets?: StepInputPreset<D>[]
}

/** One option the learner picks before running a step (e.g. a client authentication method). */
export interface StepChoice {
  id: string
  label: string
  description?: string
}

export interface StepError {
  status: 'error'
  /** A clear sentence for the learner. */
  message: string
  /** The OAuth `error` code or the library's error code, when there is one. */
  code?: string
  /** The server's `error_description` or the library's detail. */
  detail?: string
  /** Values that explain the failure (e.g. which checks passed before the one that failed). */
  values?: ShownValue[]
  exchanges: HttpExchange[]
}

export type StepResult<D extends FlowData = FlowData> = StepOk<D> | StepError

/** What a step's `run` receives. Nothing in it is tied to the DOM, so steps also run in Node. */
export interface StepContext<D extends FlowData> {
  /** What earlier steps saved. */
  data: Readonly<Partial<D>>
  /** The app's origin, e.g. `http://127.0.0.1:4173`; redirect URIs are built from it. */
  appOrigin: string
  /** The mock server's issuer identifier: `${appOrigin}/as`, byte for byte. */
  issuer: string
  /**
   * The address the browser came back to after a `navigate` destination (query and fragment
   * included), or undefined if it has not come back yet.
   */
  returnUrl: string | undefined
  /**
   * fetch for this step: every request made through it is recorded in the step's exchanges.
   * oauth4webapi calls get it through `oauthOptions(ctx)` (http-capture.ts).
   */
  fetch: (url: string, init?: RequestInit) => Promise<Response>
  /** The id of the option the learner picked, for a step with `choices`. */
  choice: string | undefined
  /** The text in the step's editor, for a step with `input`. */
  input: string | undefined
  /** The exchanges recorded so far in this step (steps rarely need them; the runner adds them). */
  exchanges(): HttpExchange[]
  now(): number
}

export interface Step<D extends FlowData = FlowData> {
  id: string
  title: string
  /** A short label for the arrow on the sequence diagram (defaults to the title). */
  label?: string
  /** Actor ids: the arrow on the sequence diagram. `from === to` draws a self-arrow. */
  from: string
  to: string
  kind: StepKind
  /** What happens and why, in our own words. */
  explanation: string
  spec: SpecRef
  /** Further sections worth reading. */
  moreSpecs?: SpecRef[]
  /** Options shown before the Run button; the first is preselected. `ctx.choice` gets the pick. */
  choices?: StepChoice[]
  /** An editor shown before the Run button; `ctx.input` gets its text. */
  input?: StepInput<D>
  run(ctx: StepContext<D>): Promise<StepResult<D>>
}

export interface Flow<D extends FlowData = FlowData> {
  /** The URL segment: `/walkthrough/<id>`. */
  id: string
  title: string
  summary: string
  whenToUse: string
  specs: SpecRef[]
  actors: Actor[]
  deprecated?: {
    reason: string
    spec: SpecRef
    /** The walkthrough of the grant to use instead, linked from the warning and the end. */
    useInstead?: { flowId: string; why: string }
  }
  steps: Step<D>[]
}

/**
 * Identity function that checks a flow's shape and that every step names known actors and a
 * unique id, so a mistake shows up when the module loads, not halfway through a walkthrough.
 */
export function defineFlow<D extends FlowData>(flow: Flow<D>): Flow<D> {
  const actorIds = new Set(flow.actors.map((actor) => actor.id))
  const stepIds = new Set<string>()
  for (const step of flow.steps) {
    if (!actorIds.has(step.from) || !actorIds.has(step.to)) {
      throw new Error(`Flow ${flow.id}: step ${step.id} names an actor that the flow lacks`)
    }
    if (stepIds.has(step.id)) throw new Error(`Flow ${flow.id}: step id ${step.id} is used twice`)
    stepIds.add(step.id)
  }
  return flow
}

/** The actors most browser-based flows share. */
export const commonActors = {
  user: { id: 'user', label: 'User & browser', description: 'The person, in their browser.' },
  client: {
    id: 'client',
    label: 'Client app',
    description: 'The application that wants tokens (here: this page).',
  },
  as: {
    id: 'as',
    label: 'Authorization server',
    description: 'Authenticates the user and issues tokens (the mock server in a service worker).',
  },
  rs: {
    id: 'rs',
    label: 'Resource server',
    description: 'The API that accepts access tokens (/api/* on the mock server).',
  },
} as const satisfies Record<string, Actor>
