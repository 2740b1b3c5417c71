/**
 * The advisor's questions, as data. Their keys and values are also the query string of
 * `/advisor`, so every recommendation is a link (docs/decisions/031).
 */

export type AppKind =
  | 'spa'
  | 'web'
  | 'native'
  | 'cli'
  | 'device'
  | 'decoupled'
  | 'service'
  | 'api'
  | 'agent'
export type YesNo = 'yes' | 'no'
export type Assurance = 'standard' | 'high'
export type Migrating = 'none' | 'implicit' | 'password'

/** Complete enough to advise on: `app` is known, every other answer may still be missing. */
export type Answers = {
  app: AppKind
  backend?: YesNo
  browser?: YesNo
  identity?: YesNo
  refresh?: YesNo
  assertion?: YesNo
  assurance?: Assurance
  migrating?: Migrating
}

/** What a URL may carry: any subset of the answers, `app` included. */
export type AnswerDraft = Partial<Answers>

export type QuestionKey = keyof Answers

export type Choice<V extends string = string> = {
  value: V
  label: string
  /** A few words under the label, for values that need them. */
  detail?: string
  /** Only offered when this holds (for example `implicit` only for apps that used a browser). */
  appliesWhen?: (draft: AnswerDraft) => boolean
}

export type Question = {
  key: QuestionKey
  question: string
  hint: string
  choices: readonly Choice[]
  appliesWhen: (draft: AnswerDraft) => boolean
  /** Used by `recommend()` when the question applies but is unanswered; the result says so. */
  assumed?: string
}

const userFacing: readonly AppKind[] = ['spa', 'web', 'native', 'cli', 'device']
/** Apps that act for a user and may hold access for longer than a token lives. */
const actsForUser: readonly AppKind[] = [...userFacing, 'agent']
const isApp =
  (...kinds: readonly AppKind[]) =>
  (draft: AnswerDraft) =>
    draft.app !== undefined && kinds.includes(draft.app)

const yesNo = (yes: string, no: string): readonly Choice<YesNo>[] => [
  { value: 'yes', label: yes },
  { value: 'no', label: no },
]

export const questions: readonly Question[] = [
  {
    key: 'app',
    question: 'What are you building?',
    hint: 'Where the code that talks to the authorization server runs decides most of the answer.',
    appliesWhen: () => true,
    choices: [
      {
        value: 'spa',
        label: 'Single-page app',
        detail: 'React, Vue, Angular… running in the browser',
      },
      { value: 'web', label: 'Server-side web app', detail: 'pages rendered by your server' },
      { value: 'native', label: 'Mobile or desktop app', detail: 'installed on the user’s device' },
      { value: 'cli', label: 'Command-line tool', detail: 'run in a terminal' },
      {
        value: 'device',
        label: 'TV, console or IoT device',
        detail: 'no keyboard worth typing a password on',
      },
      {
        value: 'decoupled',
        label: 'Call-centre, kiosk or shop-till app',
        detail: 'someone else’s screen asks; the user approves on their own phone',
      },
      {
        value: 'service',
        label: 'Backend job or daemon',
        detail: 'no user involved, it acts as itself',
      },
      {
        value: 'api',
        label: 'An API that calls other APIs',
        detail: 'receives users’ tokens and calls downstream',
      },
      {
        value: 'agent',
        label: 'AI agent or MCP client that calls tools for a user',
        detail: 'connects to MCP servers and other protected tools on a user’s behalf',
      },
    ],
  },
  {
    key: 'backend',
    question: 'Does it have its own backend that can keep a secret?',
    hint: 'A server of yours that is the OAuth client and keeps its credentials: for a browser app, a backend-for-frontend (BFF) on your domain that the page talks to with a cookie.',
    appliesWhen: isApp('spa', 'agent'),
    assumed: 'no',
    // The same answers, in the words of each kind of app.
    choices: [
      ...yesNo('Yes, a backend serves it and can hold a secret', 'No, only static files').map(
        (choice) => ({ ...choice, appliesWhen: isApp('spa') }),
      ),
      ...yesNo(
        'Yes, it runs on a server of mine that can hold a secret',
        'No, it runs on the user’s computer or in their browser',
      ).map((choice) => ({ ...choice, appliesWhen: isApp('agent') })),
    ],
  },
  {
    key: 'browser',
    question: 'Can it open a browser on the same device?',
    hint: 'A system browser the user already trusts, not a web view inside your app.',
    appliesWhen: isApp('cli', 'native'),
    assumed: 'yes',
    choices: yesNo(
      'Yes, it can open the system browser',
      'No (a server over SSH, a container, a kiosk)',
    ),
  },
  {
    key: 'identity',
    question: 'Must it know who the user is?',
    hint: 'Sign-in: a verified user id, name or email, not only access to an API.',
    appliesWhen: isApp(...userFacing),
    assumed: 'no',
    choices: yesNo('Yes, users sign in to it', 'No, it only calls APIs for them'),
  },
  {
    key: 'refresh',
    question: 'Must it keep access longer than an access token lives?',
    hint: 'Access tokens last minutes; refresh tokens let it get new ones without asking again.',
    appliesWhen: isApp(...actsForUser, 'decoupled'),
    assumed: 'no',
    choices: yesNo('Yes, for hours or days', 'No, a fresh sign-in is fine'),
  },
  {
    key: 'assertion',
    question: 'Does it already hold a signed assertion from an issuer this server trusts?',
    hint: 'A JWT from another identity provider, or a workload identity from your platform.',
    appliesWhen: isApp('service', 'api'),
    assumed: 'no',
    choices: yesNo('Yes, a signed JWT from a trusted issuer', 'No'),
  },
  {
    key: 'assurance',
    question: 'How sensitive is the data?',
    hint: 'High means money, health or government records: the FAPI 2.0 level.',
    appliesWhen: () => true,
    assumed: 'standard',
    choices: [
      { value: 'standard', label: 'Standard', detail: 'ordinary business or personal data' },
      { value: 'high', label: 'High', detail: 'financial, health, government' },
    ],
  },
  {
    key: 'migrating',
    question: 'Is it replacing a legacy flow?',
    hint: 'Tell us what it does today and the result includes how to move off it.',
    appliesWhen: () => true,
    assumed: 'none',
    choices: [
      { value: 'none', label: 'No, it is new' },
      {
        value: 'implicit',
        label: 'Yes, the implicit grant',
        detail: 'tokens returned in the URL fragment',
        appliesWhen: isApp('spa', 'web', 'native'),
      },
      {
        value: 'password',
        label: 'Yes, the password grant',
        detail: 'the app collects the password itself',
      },
    ],
  },
]

export const questionKeys: readonly QuestionKey[] = questions.map((q) => q.key)

export function findQuestion(key: string): Question | undefined {
  return questions.find((q) => q.key === key)
}

export function choicesFor(question: Question, draft: AnswerDraft): readonly Choice[] {
  return question.choices.filter((c) => c.appliesWhen?.(draft) ?? true)
}

/** The questions to ask, in order, for what is known so far. */
export function applicableQuestions(draft: AnswerDraft): readonly Question[] {
  return questions.filter((q) => q.appliesWhen(draft))
}

export function isQuestionKey(key: string): key is QuestionKey {
  return (questionKeys as readonly string[]).includes(key)
}

/**
 * The label shown for an answer (`spa` → “Single-page app”), in the words offered for `draft`
 * when a question words its choices per kind of app.
 */
export function answerLabel(key: QuestionKey, value: string, draft: AnswerDraft = {}): string {
  const question = findQuestion(key)
  if (!question) return value
  const offered = choicesFor(question, draft).find((c) => c.value === value)
  return offered?.label ?? question.choices.find((c) => c.value === value)?.label ?? value
}

/**
 * Keeps only known keys with valid values whose question applies, in question order. A
 * hand-edited or stale link therefore never reaches `recommend()` with a value it does not know.
 */
export function normalizeAnswers(input: Record<string, string | undefined>): AnswerDraft {
  const draft: Record<string, string> = {}
  for (const question of questions) {
    const value = input[question.key]
    if (value === undefined || !question.appliesWhen(draft)) continue
    if (choicesFor(question, draft).some((c) => c.value === value)) draft[question.key] = value
  }
  return draft as AnswerDraft
}

/** Reads the answers from a query string (`?app=spa&backend=no`), ignoring anything unknown. */
export function parseAnswers(search: string | URLSearchParams): AnswerDraft {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search
  const input: Record<string, string> = {}
  for (const key of questionKeys) {
    const value = params.get(key)
    if (value !== null) input[key] = value.trim().toLowerCase()
  }
  return normalizeAnswers(input)
}

/** Writes the answers as a query string, without `?`, in question order. */
export function serializeAnswers(draft: AnswerDraft): string {
  const normalized = normalizeAnswers(draft)
  const params = new URLSearchParams()
  for (const key of questionKeys) {
    const value = normalized[key]
    if (value !== undefined) params.set(key, value)
  }
  return params.toString()
}

/** The applicable questions not answered yet, in order. */
export function missingQuestions(draft: AnswerDraft): readonly QuestionKey[] {
  return applicableQuestions(draft)
    .filter((q) => draft[q.key] === undefined)
    .map((q) => q.key)
}

export function hasApp(draft: AnswerDraft): draft is Answers {
  return draft.app !== undefined
}
