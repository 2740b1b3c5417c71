/**
 * An attack of the lab is data, like a flow (docs/decisions/021, 125): who takes part (the
 * attacker marked), its steps for the sequence diagram, the defence a switch turns on and off, and
 * `run(ctx)`, which plays every party for real and returns what came of it. One generic page
 * renders any attack; the same `run` works in Node against the server core.
 */
import type { Actor, ShownToken, ShownValue, SpecRef, StepKind } from '../flows/flow-model.ts'
import type { HasFetch } from '../flows/http-capture.ts'

export type { HttpExchange, ShownToken, ShownValue, SpecRef } from '../flows/flow-model.ts'

/** A participant; the attacker's lifeline is drawn in another colour. */
export interface AttackActor extends Actor {
  attacker?: true
}

/** One step of the attack, as the sequence diagram and the step list show it. */
export interface AttackStep {
  id: string
  title: string
  /** A short label for the arrow (defaults to the title). */
  label?: string
  from: string
  to: string
  kind: StepKind
  /** What happens and why, in our own words. */
  explanation: string
  spec?: SpecRef
}

/** The defence the page's switch turns on and off. */
export interface Defence {
  /** The switch's name; tests find it by its start (issue 11's contract). */
  label: `Defence: ${string}`
  /** What the defence does when it is on. */
  explanation: string
  spec: SpecRef
  /** Where it lives: in the client's code, or in the authorization server's rules. */
  side: 'client' | 'server'
  /** How the attack switches it off: the explicit code path, or the weakened demo client. */
  whenOff: string
}

/** A demo client the attack uses, shown on the page. */
export interface AttackClient {
  clientId: string
  /** When the attack uses it: always, or only with the defence on or off. */
  when: 'always' | 'defence-on' | 'defence-off'
  note: string
}

/** What the attacker got: the tokens (decoded by the page) and anything else worth showing. */
export interface Loot {
  summary: string
  tokens: ShownToken[]
  values: ShownValue[]
}

/** The check that stopped the attack, with the error really raised. */
export interface StoppedAt {
  stepId: string
  /** The check, in a few words ("state", "PKCE code_verifier", "iss"). */
  check: string
  spec: SpecRef
  by: 'client' | 'authorization server' | 'resource server'
  /** The error's code: the OAuth `error`, oauth4webapi's code, or an HTTP status. */
  code?: string
  /** What the library or the server said. */
  message: string
}

export type AttackOutcome =
  | { status: 'succeeded'; summary: string; loot: Loot }
  | { status: 'stopped'; summary: string; stoppedAt: StoppedAt }
  /** Neither: the attack could not be played (a server down, a check that failed for another reason). */
  | { status: 'error'; summary: string; stepId?: string; detail?: string }

/** A page as a user agent sees it after a navigation. */
export interface BrowserPage {
  /** Where the browser is; undefined when the page is another site's (the attacker's). */
  url: string | undefined
  /** The HTTP status of the page, when known. */
  status: number | undefined
  /** The page's HTML, when this page may read it. */
  html: string | undefined
}

/**
 * A browser that a party of the attack uses. In the lab: the victim's is a frame on the page
 * (real navigations through the service worker), the attacker's is `fetch` without credentials
 * (docs/decisions/128). In Node: drivers with cookie jars.
 */
export interface UserAgent {
  /**
   * Opens an address, as a link or a redirect would; resolves on the page it lands on. `via` is
   * the step's recording fetch, for a user agent whose requests the page makes itself.
   */
  open(url: string, via: HasFetch): Promise<BrowserPage>
  /**
   * Fills the page's form (`fields`, by name) and presses `button` (a submit button's name and
   * value) or submits it; resolves on the page it leads to.
   */
  submit(
    page: BrowserPage,
    fields: Record<string, string>,
    button: { name: string; value: string } | undefined,
    via: HasFetch,
  ): Promise<BrowserPage>
}

/** What a step's code can do: make recorded requests and tell the learner what it found. */
export interface StepScope extends HasFetch {
  /** A request that is not recorded (polling the attacker's log until something arrives). */
  quietFetch(url: string, init?: RequestInit): Promise<Response>
  show(value: ShownValue): void
  token(token: ShownToken): void
  note(text: string): void
  /** One sentence on what happened in this step. */
  summary(text: string): void
}

/**
 * A refusal of the authorization server that no library turned into an error: one shown on its
 * pages (an error page, a refused form), or the error JSON a plain request received.
 */
export class ServerRefusal extends Error {
  readonly code: string
  readonly status: number | undefined
  /** Where it refused: "on its page", "at the token endpoint". */
  readonly where: string
  constructor(
    code: string,
    description: string,
    status: number | undefined,
    where = 'on its page',
  ) {
    super(description)
    this.name = 'ServerRefusal'
    this.code = code
    this.status = status
    this.where = where
  }
}

/** The exception a step throws when a defence refused it; the runner turns it into the outcome. */
export class AttackStopped extends Error {
  readonly stoppedAt: Omit<StoppedAt, 'stepId'>
  constructor(stoppedAt: Omit<StoppedAt, 'stepId'>) {
    super(stoppedAt.message)
    this.name = 'AttackStopped'
    this.stoppedAt = stoppedAt
  }
}

export interface AttackContext {
  /** Whether the defence is switched on for this run. */
  defence: boolean
  /** The app's origin; the lab's callback pages are below it. */
  appOrigin: string
  /** The honest authorization server. */
  issuer: string
  /** The malicious authorization server of the mix-up (docs/decisions/127). */
  evilIssuer: string
  /** Where the attacker's server is. */
  attackerOrigin: string
  victim: UserAgent
  attacker: UserAgent
  /** Runs one step of `steps` and records what it did; the step list shows it as it happens. */
  step<T>(id: string, run: (scope: StepScope) => Promise<T>): Promise<T>
  /**
   * What a step throws when a defence refused it: the observed error, checked against what the
   * defence is known to raise. A different error is not this check: it becomes an `error` outcome.
   */
  stopped(
    error: unknown,
    check: Omit<StoppedAt, 'stepId' | 'code' | 'message'> & {
      expected: { code?: string; text?: RegExp }
    },
  ): Error
  now(): number
}

export interface Attack {
  /** The URL segment: `/attacks/<id>`. */
  id: string
  title: string
  /** What the attacker wants, in a sentence or two. */
  goal: string
  /** How the attack goes, in a few sentences. */
  summary: string
  specs: SpecRef[]
  actors: AttackActor[]
  steps: AttackStep[]
  defence: Defence
  clients: AttackClient[]
  /**
   * The client's callback page (`/attacks/<id>/callback`) embeds the third-party script that
   * reports every address it runs on to the attacker's server (docs/decisions/127).
   */
  callbackEmbedsThirdPartyScript?: true
  /** Why the attack is not complete yet, if a part of it waits for another feature. */
  pending?: { defence: string }
  run(ctx: AttackContext): Promise<AttackOutcome>
}

/** Checks the attack's shape when the module loads, as `defineFlow` does for flows. */
export function defineAttack(attack: Attack): Attack {
  const actorIds = new Set(attack.actors.map((actor) => actor.id))
  const stepIds = new Set<string>()
  for (const step of attack.steps) {
    if (!actorIds.has(step.from) || !actorIds.has(step.to)) {
      throw new Error(`Attack ${attack.id}: step ${step.id} names an actor that it lacks`)
    }
    if (stepIds.has(step.id)) throw new Error(`Attack ${attack.id}: step id ${step.id} twice`)
    stepIds.add(step.id)
  }
  if (!attack.actors.some((actor) => actor.attacker)) {
    throw new Error(`Attack ${attack.id} has no attacker`)
  }
  if (!attack.defence.label.startsWith('Defence: ')) {
    throw new Error(`Attack ${attack.id}: the defence label must start with "Defence: "`)
  }
  return attack
}

/** The actors most attacks share. */
export const attackActors = {
  victim: {
    id: 'victim',
    label: "Victim's browser",
    description: 'Alice, in her own browser, signed in or about to sign in.',
  },
  attacker: {
    id: 'attacker',
    label: 'Attacker',
    description: 'Bob, in his own browser, with his own server.',
    attacker: true,
  },
  client: {
    id: 'client',
    label: 'Client app',
    description: 'The application both of them use (here: code on this page).',
  },
  as: {
    id: 'as',
    label: 'Authorization server',
    description: 'The honest mock server in the service worker.',
  },
  rs: {
    id: 'rs',
    label: 'Resource server',
    description: 'The demo API (/api/* on the mock server).',
  },
} as const satisfies Record<string, AttackActor>
