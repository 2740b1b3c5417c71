import { describe, expect, test } from 'vitest'
import { allAnswerCombinations } from './answer-space.ts'
import {
  type AnswerDraft,
  type Answers,
  answerLabel,
  applicableQuestions,
  missingQuestions,
  parseAnswers,
  serializeAnswers,
} from './questions.ts'
import { type ExtraId, recommend } from './recommend.ts'
import {
  alternativeRules,
  caveatRules,
  extraRules,
  grantRules,
  jwtBearer as jwtBearerGrant,
  migrationRules,
} from './rules.ts'

const combinations = allAnswerCombinations()
const userFacing = ['spa', 'web', 'native', 'cli', 'device']
const extraIds = (answers: Answers): ExtraId[] => recommend(answers).extras.map((e) => e.id)
const label = (answers: Answers) => serializeAnswers(answers)

test('the answer space is enumerated in full', () => {
  // spa 2·2·2·2·3 + web 2·2·2·3 + native 2·2·2·2·3 + cli 2·2·2·2·2 + device 2·2·2·2
  // + decoupled 2·2·2 + service 2·2·2 + api 2·2·2 + agent 2·2·2·2
  // = 48 + 24 + 48 + 32 + 16 + 8 + 8 + 8 + 16
  expect(combinations).toHaveLength(208)
  expect(new Set(combinations.map(label)).size).toBe(combinations.length)
})

describe.each(combinations.map((answers) => [label(answers), answers] as const))(
  'answers %s',
  (_name, answers) => {
    const result = recommend(answers)
    const { client } = result

    test('the grant is a current RFC grant, never implicit or password', () => {
      expect([
        'authorization_code',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:openid:params:grant-type:ciba',
      ]).toContain(result.grant)
      expect(client.grant_types[0]).toBe(result.grant)
      expect(client.grant_types).not.toContain('implicit')
      expect(client.grant_types).not.toContain('password')
      expect(client.response_types).not.toContain('token')
      expect(result.assumed).toEqual([])
    })

    test('the client metadata is consistent', () => {
      expect(client.grant_types.includes('authorization_code')).toBe(
        client.response_types.includes('code'),
      )
      expect(client.response_types.every((type) => type === 'code')).toBe(true)
      expect(client.token_endpoint_auth_method === 'none').toBe(result.clientKind === 'public')
      if (result.clientKind === 'public') {
        expect(client.grant_types).not.toContain('client_credentials')
        if (result.grant === 'authorization_code') expect(extraIds(answers)).toContain('pkce')
      }
      if (result.grant === 'authorization_code') {
        expect(client.redirect_uris?.length).toBeGreaterThan(0)
        expect(extraIds(answers)).toContain('pkce')
      } else {
        expect(client.redirect_uris).toBeUndefined()
      }
      const native =
        ['native', 'cli', 'device'].includes(answers.app) ||
        (answers.app === 'agent' && answers.backend === 'no')
      expect(client.application_type).toBe(native ? 'native' : 'web')
      if (client.token_endpoint_auth_method === 'private_key_jwt') {
        expect(client.jwks_uri).toMatch(/^https:\/\//)
      }
      expect(JSON.stringify(client)).not.toMatch(/secret"|private_key"|"d":/)
    })

    test('redirect URIs have the form the app kind needs', () => {
      for (const uri of client.redirect_uris ?? []) {
        if (answers.app === 'cli') expect(uri).toBe('http://127.0.0.1/callback')
        else if (answers.app === 'agent' && answers.backend === 'no') {
          // An agent on the user's computer: a loopback redirect on any port (RFC 8252 §7.3).
          expect(uri).toBe('http://127.0.0.1/callback')
        } else if (answers.app === 'native') {
          expect(uri).toMatch(/^(https:\/\/|com\.example\.app:\/|http:\/\/127\.0\.0\.1\/)/)
        } else expect(uri).toMatch(/^https:\/\//)
        expect(uri).not.toContain('localhost')
      }
    })

    test('sign-in adds OpenID Connect for user-facing apps', () => {
      const scopes = client.scope.split(' ')
      // CIBA is OpenID Connect by design: every request asks for openid (CIBA Core §7.1).
      if (
        (answers.identity === 'yes' && userFacing.includes(answers.app)) ||
        answers.app === 'decoupled'
      ) {
        expect(scopes).toContain('openid')
        expect(extraIds(answers)).toContain('oidc')
      } else {
        expect(scopes).not.toContain('openid')
        expect(extraIds(answers)).not.toContain('oidc')
      }
    })

    test('refresh adds the refresh_token grant where the grant allows it, protected', () => {
      const allowsRefresh = [
        'authorization_code',
        'urn:ietf:params:oauth:grant-type:device_code',
        'urn:openid:params:grant-type:ciba',
      ]
      const wantsRefresh = answers.refresh === 'yes' && allowsRefresh.includes(result.grant)
      expect(client.grant_types.includes('refresh_token')).toBe(wantsRefresh)
      if (result.grant === 'client_credentials') {
        expect(client.grant_types).not.toContain('refresh_token')
      }
      if (wantsRefresh && result.clientKind === 'public') {
        // RFC 9700 §2.2.2: sender-constrained or rotated; we advise one, not both.
        const [chosen, other] =
          answers.assurance === 'high'
            ? ['refresh-sender-constrained', 'refresh-rotation']
            : ['refresh-rotation', 'refresh-sender-constrained']
        expect(extraIds(answers)).toContain(chosen)
        expect(extraIds(answers)).not.toContain(other)
      }
      if (result.clientKind === 'confidential') {
        // Rotation is required of public clients only (RFC 9700 §2.2.2).
        expect(extraIds(answers)).not.toContain('refresh-rotation')
      }
    })

    test('high assurance requires PAR, DPoP and private_key_jwt where they apply', () => {
      const ids = extraIds(answers)
      const level = (id: ExtraId) => result.extras.find((e) => e.id === id)?.level
      if (answers.assurance === 'high') {
        expect(level('dpop')).toBe('required')
        expect(ids).toContain('dpop')
        expect(client.dpop_bound_access_tokens).toBe(true)
        const usesPar = result.grant === 'authorization_code'
        expect(ids.includes('par')).toBe(usesPar)
        expect(client.require_pushed_authorization_requests === true).toBe(usesPar)
        if (result.clientKind === 'confidential') {
          expect(client.token_endpoint_auth_method).toBe('private_key_jwt')
        }
        if (usesPar) {
          // FAPI 2.0: PKCE for every client, confidential ones included.
          expect(result.extras.find((e) => e.id === 'pkce')?.level).toBe('required')
        }
      } else {
        // RFC 9700 §2.2.1: sender-constrained access tokens SHOULD be used, at any sensitivity.
        expect(level('dpop')).toBe('recommended')
        expect(ids).not.toContain('par')
        // The draft carries only what is required; DPoP is the user's to switch on.
        expect(client.dpop_bound_access_tokens).toBeUndefined()
        expect(client.require_pushed_authorization_requests).toBeUndefined()
        // Only a workload that authenticates with its platform's JWT, and an agent with a
        // backend (a metadata document cannot carry a secret), start with a key.
        expect(client.token_endpoint_auth_method === 'private_key_jwt').toBe(
          (answers.app === 'service' && answers.assertion === 'yes') ||
            (answers.app === 'agent' && answers.backend === 'yes'),
        )
      }
    })

    test('confidential clients get private_key_jwt at least recommended (RFC 9700 §2.5)', () => {
      const level = result.extras.find((e) => e.id === 'private-key-jwt')?.level
      if (result.clientKind === 'confidential') expect(['required', 'recommended']).toContain(level)
      else expect(level).toBeUndefined()
    })

    test('PKCE is required for every authorization code client (RFC 9700 §2.1.1, OAuth 2.1)', () => {
      const level = result.extras.find((e) => e.id === 'pkce')?.level
      expect(level).toBe(result.grant === 'authorization_code' ? 'required' : undefined)
    })

    test('a public client at high assurance is told plainly it cannot be FAPI 2.0 as drafted', () => {
      const highAndPublic = answers.assurance === 'high' && result.clientKind === 'public'
      expect(result.caveats.length > 0).toBe(highAndPublic)
      if (highAndPublic) {
        expect(result.caveats[0]?.text).toMatch(/cannot be FAPI 2\.0/)
        expect(result.caveats[0]?.sources.map((s) => s.label)).toContain(
          'FAPI 2.0 Security Profile §5.3.2.1',
        )
        // The way there, a backend that is the confidential client, is required.
        const backend = result.extras.find((e) => e.id === 'bff' || e.id === 'confidential-backend')
        expect(backend?.level).toBe('required')
      }
    })

    test('the grant is never the JWT bearer grant for a workload acting as itself', () => {
      if (answers.app === 'service') {
        expect(result.grant).toBe('client_credentials')
        const loser = result.alternatives.find((a) => a.grant === jwtBearerGrant)
        expect(loser?.why.length).toBeGreaterThan(20)
      }
    })

    test('every reason, extra, alternative and caveat cites a source with an https link', () => {
      const cited = [...result.reasons, ...result.extras, ...result.alternatives, ...result.caveats]
      expect(result.reasons.length).toBeGreaterThan(0)
      for (const item of cited) {
        expect(item.sources.length).toBeGreaterThan(0)
        for (const source of item.sources) {
          expect(source.label).not.toBe('')
          expect(source.href).toMatch(/^https:\/\/[^\s]+$/)
        }
      }
    })

    test('every other grant, implicit and password included, is explained as a loser', () => {
      const losers = result.alternatives.map((a) => a.grant)
      expect(losers).toHaveLength(7)
      expect(losers).not.toContain(result.grant)
      expect(losers).toEqual(expect.arrayContaining(['implicit', 'password']))
      for (const alternative of result.alternatives)
        expect(alternative.why.length).toBeGreaterThan(20)
    })

    test('backticks in the advice text are balanced', () => {
      const texts = [
        ...result.reasons.map((r) => r.text),
        ...result.extras.map((e) => e.why),
        ...result.alternatives.map((a) => a.why),
        ...(result.migration?.steps ?? []),
      ]
      for (const text of texts) expect(text.split('`').length % 2).toBe(1)
    })

    test('migration advice appears exactly when replacing a legacy flow', () => {
      if (answers.migrating === 'none') expect(result.migration).toBeUndefined()
      else {
        expect(result.migration?.from).toBe(answers.migrating)
        expect(result.migration?.steps.length).toBeGreaterThan(1)
      }
    })

    test('every user-facing client is offered sign-out; a redirecting one with registered post-logout redirect URIs', () => {
      const logout = result.extras.find((e) => e.id === 'logout')
      const userFacingApp = [...userFacing, 'decoupled', 'agent'].includes(answers.app)
      expect(logout?.level).toBe(userFacingApp ? 'recommended' : undefined)
      const redirects = result.grant === 'authorization_code'
      expect(client.post_logout_redirect_uris?.length ?? 0).toBe(redirects ? 1 : 0)
      if (redirects) {
        expect(logout?.title).toMatch(/^Sign-out: RP-initiated/)
        expect(logout?.sources.map((s) => s.label)).toContain(
          'OpenID Connect RP-Initiated Logout 1.0 §2',
        )
        // Server-side clients also hear about sign-outs elsewhere (Back-Channel Logout).
        const serverSide = result.clientKind === 'confidential'
        expect(logout?.why.includes('backchannel_logout_uri')).toBe(serverSide)
        for (const uri of client.post_logout_redirect_uris ?? []) {
          expect(uri).not.toContain('#')
          if (client.application_type === 'web') expect(uri).toMatch(/^https:\/\//)
        }
      } else if (logout) {
        // No browser of the user's to send to the server: the tokens are revoked instead.
        expect(logout.why).toMatch(/revoc/)
        expect(logout.sources.map((s) => s.label)).toContain('RFC 7009 §2')
      }
    })

    test('CIBA exactly for decoupled apps: confidential, poll mode, binding message and polling rules', () => {
      const isCiba = result.grant === 'urn:openid:params:grant-type:ciba'
      expect(isCiba).toBe(answers.app === 'decoupled')
      expect(client.backchannel_token_delivery_mode).toBe(isCiba ? 'poll' : undefined)
      const ids = extraIds(answers)
      expect(ids.includes('binding-message')).toBe(isCiba)
      expect(ids.includes('ciba-polling')).toBe(isCiba)
      if (isCiba) {
        expect(result.clientKind).toBe('confidential')
        expect(client.token_endpoint_auth_method).not.toBe('none')
        expect(client.response_types).toEqual([])
        expect(result.walkthroughId).toBe('ciba')
        for (const reason of result.reasons) {
          expect(reason.sources.some((s) => s.label.startsWith('CIBA Core §'))).toBe(true)
        }
        // Why the device flow and a redirect lose here, in words about this situation.
        const why = (grant: string) => result.alternatives.find((a) => a.grant === grant)?.why
        expect(why('urn:ietf:params:oauth:grant-type:device_code')).toMatch(/phishing/)
        expect(why('authorization_code')).toMatch(/someone else’s screen/)
      } else {
        const loser = result.alternatives.find(
          (a) => a.grant === 'urn:openid:params:grant-type:ciba',
        )
        expect(loser?.sources.some((s) => s.label.startsWith('CIBA Core §'))).toBe(true)
      }
    })

    test('an agent finds, pins and registers as the MCP authorization specification says', () => {
      const ids = extraIds(answers)
      const level = (id: ExtraId) => result.extras.find((e) => e.id === id)?.level
      const agentOnly: ExtraId[] = [
        'resource-discovery',
        'resource-indicator',
        'agent-registration',
      ]
      if (answers.app !== 'agent') {
        for (const id of agentOnly) expect(ids).not.toContain(id)
        expect(result.walkthroughId).not.toBe('mcp-agent')
        return
      }
      expect(result.grant).toBe('authorization_code')
      expect(result.walkthroughId).toBe('mcp-agent')
      const cited = result.reasons.flatMap((reason) => reason.sources.map((s) => s.label))
      for (const label of ['RFC 9728 §5.1', 'RFC 8707 §2', 'RFC 7591 §3']) {
        expect(cited).toContain(label)
      }
      expect(cited.some((label) => label.startsWith('MCP Authorization (2025-11-25)'))).toBe(true)
      expect(level('resource-discovery')).toBe('required')
      expect(level('resource-indicator')).toBe('required')
      expect(level('agent-registration')).toBe('recommended')
      expect(level('resource-server-duties')).toBe('optional')
      expect(level('pkce')).toBe('required')
      const text = result.extras.map((extra) => extra.why).join(' ')
      expect(text).toMatch(/resource_metadata/)
      expect(text).toMatch(/`resource`/)
      expect(text).toMatch(/client_id_metadata_document_supported/)
      if (answers.backend === 'yes') {
        expect(result.clientKind).toBe('confidential')
        // A metadata document cannot carry a secret: the confidential agent signs with a key.
        expect(client.token_endpoint_auth_method).toBe('private_key_jwt')
        expect(client.jwks_uri).toBe('https://agent.example.com/.well-known/jwks.json')
      } else {
        expect(result.clientKind).toBe('public')
        expect(client.token_endpoint_auth_method).toBe('none')
        expect(ids).toEqual(expect.arrayContaining(['system-browser', 'redirect-uris', 'dpop']))
        if (answers.refresh === 'yes' && answers.assurance === 'standard') {
          expect(level('refresh-rotation')).toBe('required')
        }
      }
      expect(client.client_uri).toBe('https://agent.example.com')
    })

    test('the answers survive a trip through the query string', () => {
      expect(parseAnswers(serializeAnswers(answers))).toEqual(answers)
    })
  },
)

type Scenario = {
  name: string
  answers: Answers
  grant: string
  extras: readonly ExtraId[]
  auth: 'none' | 'client_secret_basic' | 'private_key_jwt'
  walkthroughId: string
}

const base = { identity: 'no', refresh: 'no', assurance: 'standard', migrating: 'none' } as const

const scenarios: readonly Scenario[] = [
  {
    name: 'SPA without a backend, signing users in, staying signed in',
    answers: { ...base, app: 'spa', backend: 'no', identity: 'yes', refresh: 'yes' },
    grant: 'authorization_code',
    extras: ['pkce', 'oidc', 'refresh-rotation', 'dpop', 'bff'],
    auth: 'none',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'SPA with a backend for frontend',
    answers: { ...base, app: 'spa', backend: 'yes', identity: 'yes', refresh: 'yes' },
    grant: 'authorization_code',
    extras: ['bff', 'pkce', 'oidc', 'refresh-bound-to-client'],
    auth: 'client_secret_basic',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'server-side web app',
    answers: { ...base, app: 'web', identity: 'yes' },
    grant: 'authorization_code',
    extras: ['pkce', 'oidc', 'private-key-jwt', 'dpop'],
    auth: 'client_secret_basic',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'mobile app',
    answers: { ...base, app: 'native', browser: 'yes', identity: 'yes', refresh: 'yes' },
    grant: 'authorization_code',
    extras: ['pkce', 'system-browser', 'redirect-uris', 'refresh-rotation', 'oidc'],
    auth: 'none',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'CLI on a laptop with a browser',
    answers: { ...base, app: 'cli', browser: 'yes', refresh: 'yes' },
    grant: 'authorization_code',
    extras: ['pkce', 'system-browser', 'redirect-uris', 'refresh-rotation'],
    auth: 'none',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'CLI on a server over SSH, no browser',
    answers: { ...base, app: 'cli', browser: 'no' },
    grant: 'urn:ietf:params:oauth:grant-type:device_code',
    extras: ['device-polling'],
    auth: 'none',
    walkthroughId: 'device-code',
  },
  {
    name: 'smart TV app',
    answers: { ...base, app: 'device', identity: 'yes', refresh: 'yes' },
    grant: 'urn:ietf:params:oauth:grant-type:device_code',
    extras: ['device-polling', 'oidc', 'refresh-rotation'],
    auth: 'none',
    walkthroughId: 'device-code',
  },
  {
    name: 'call-centre app that needs the caller’s approval on their own phone',
    answers: { app: 'decoupled', refresh: 'no', assurance: 'standard', migrating: 'none' },
    grant: 'urn:openid:params:grant-type:ciba',
    extras: ['binding-message', 'ciba-polling', 'oidc', 'logout', 'private-key-jwt', 'dpop'],
    auth: 'client_secret_basic',
    walkthroughId: 'ciba',
  },
  {
    name: 'kiosk at a bank (high assurance)',
    answers: { app: 'decoupled', refresh: 'no', assurance: 'high', migrating: 'password' },
    grant: 'urn:openid:params:grant-type:ciba',
    extras: ['binding-message', 'ciba-polling', 'dpop', 'private-key-jwt'],
    auth: 'private_key_jwt',
    walkthroughId: 'ciba',
  },
  {
    name: 'nightly batch job',
    answers: { app: 'service', assertion: 'no', assurance: 'standard', migrating: 'none' },
    grant: 'client_credentials',
    extras: ['narrow-scope', 'private-key-jwt'],
    auth: 'client_secret_basic',
    walkthroughId: 'client-credentials',
  },
  {
    name: 'API calling a downstream API on behalf of a user',
    answers: { app: 'api', assertion: 'no', assurance: 'standard', migrating: 'none' },
    grant: 'urn:ietf:params:oauth:grant-type:token-exchange',
    extras: ['narrow-audience', 'actor-token'],
    auth: 'client_secret_basic',
    walkthroughId: 'token-exchange',
  },
  {
    name: 'workload holding a JWT from its platform',
    answers: { app: 'service', assertion: 'yes', assurance: 'standard', migrating: 'none' },
    grant: 'client_credentials',
    extras: ['private-key-jwt', 'assertion-checks', 'narrow-scope', 'dpop'],
    auth: 'private_key_jwt',
    walkthroughId: 'client-credentials',
  },
  {
    name: 'banking web app (high assurance)',
    answers: { ...base, app: 'web', identity: 'yes', refresh: 'yes', assurance: 'high' },
    grant: 'authorization_code',
    extras: ['pkce', 'par', 'dpop', 'private-key-jwt', 'oidc', 'refresh-bound-to-client'],
    auth: 'private_key_jwt',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'SPA moving off the implicit grant',
    answers: { ...base, app: 'spa', backend: 'no', migrating: 'implicit' },
    grant: 'authorization_code',
    extras: ['pkce'],
    auth: 'none',
    walkthroughId: 'authorization-code',
  },
  {
    name: 'AI agent on the user’s computer (an MCP client), staying connected',
    answers: {
      app: 'agent',
      backend: 'no',
      refresh: 'yes',
      assurance: 'standard',
      migrating: 'none',
    },
    grant: 'authorization_code',
    extras: [
      'pkce',
      'resource-discovery',
      'resource-indicator',
      'agent-registration',
      'refresh-rotation',
      'dpop',
      'redirect-uris',
    ],
    auth: 'none',
    walkthroughId: 'mcp-agent',
  },
  {
    name: 'AI agent run by a backend service (an MCP client)',
    answers: {
      app: 'agent',
      backend: 'yes',
      refresh: 'yes',
      assurance: 'standard',
      migrating: 'none',
    },
    grant: 'authorization_code',
    extras: [
      'pkce',
      'resource-discovery',
      'resource-indicator',
      'agent-registration',
      'private-key-jwt',
      'refresh-bound-to-client',
    ],
    auth: 'private_key_jwt',
    walkthroughId: 'mcp-agent',
  },
  {
    name: 'batch job moving off a technical user’s password',
    answers: { app: 'service', assertion: 'no', assurance: 'standard', migrating: 'password' },
    grant: 'client_credentials',
    extras: ['narrow-scope'],
    auth: 'client_secret_basic',
    walkthroughId: 'client-credentials',
  },
]

test.each(scenarios)('scenario: $name', (scenario) => {
  const result = recommend(scenario.answers)
  expect(result.grant).toBe(scenario.grant)
  expect(result.extras.map((e) => e.id)).toEqual(expect.arrayContaining([...scenario.extras]))
  expect(result.client.token_endpoint_auth_method).toBe(scenario.auth)
  expect(result.walkthroughId).toBe(scenario.walkthroughId)
})

// The advice the expert review asked for, one row per finding (review 2026-12, “Advice”).
const levels: readonly [string, Answers, ExtraId, 'required' | 'recommended' | 'optional'][] = [
  ['SPA, no backend: BFF optional', { ...base, app: 'spa', backend: 'no' }, 'bff', 'optional'],
  ['SPA with a backend: BFF required', { ...base, app: 'spa', backend: 'yes' }, 'bff', 'required'],
  [
    'SPA at FAPI level: BFF required',
    { ...base, app: 'spa', backend: 'no', assurance: 'high' },
    'bff',
    'required',
  ],
  [
    'TV app at FAPI level: a backend required',
    { ...base, app: 'device', assurance: 'high' },
    'confidential-backend',
    'required',
  ],
  [
    'mobile app at FAPI level: a backend required',
    { ...base, app: 'native', browser: 'yes', assurance: 'high' },
    'confidential-backend',
    'required',
  ],
  ['SPA: PKCE required', { ...base, app: 'spa', backend: 'no' }, 'pkce', 'required'],
  ['web app (confidential): PKCE required too', { ...base, app: 'web' }, 'pkce', 'required'],
  [
    'SPA at standard level: DPoP recommended',
    { ...base, app: 'spa', backend: 'no', refresh: 'yes' },
    'dpop',
    'recommended',
  ],
  [
    'mobile app at standard level: DPoP recommended',
    { ...base, app: 'native', browser: 'yes' },
    'dpop',
    'recommended',
  ],
  [
    'CLI on a server: DPoP recommended',
    { ...base, app: 'cli', browser: 'no' },
    'dpop',
    'recommended',
  ],
  ['web app: sender-constraining recommended', { ...base, app: 'web' }, 'dpop', 'recommended'],
  [
    'web app: private_key_jwt recommended',
    { ...base, app: 'web' },
    'private-key-jwt',
    'recommended',
  ],
  [
    'batch job: private_key_jwt recommended',
    { app: 'service', assertion: 'no', assurance: 'standard', migrating: 'none' },
    'private-key-jwt',
    'recommended',
  ],
  [
    'API: private_key_jwt recommended',
    { app: 'api', assertion: 'no', assurance: 'standard', migrating: 'none' },
    'private-key-jwt',
    'recommended',
  ],
  [
    'banking web app: private_key_jwt required',
    { ...base, app: 'web', assurance: 'high' },
    'private-key-jwt',
    'required',
  ],
  [
    'workload: its JWT as client assertion, required',
    { app: 'service', assertion: 'yes', assurance: 'standard', migrating: 'none' },
    'private-key-jwt',
    'required',
  ],
  [
    'agent at FAPI level, no backend: a backend required',
    { app: 'agent', backend: 'no', refresh: 'no', assurance: 'high', migrating: 'none' },
    'confidential-backend',
    'required',
  ],
  [
    'an API that agents may call: the resource server’s duties recommended',
    { app: 'api', assertion: 'no', assurance: 'standard', migrating: 'none' },
    'resource-server-duties',
    'recommended',
  ],
  [
    'API exchanging tokens: actor_token optional',
    { app: 'api', assertion: 'no', assurance: 'standard', migrating: 'none' },
    'actor-token',
    'optional',
  ],
]

test.each(levels)('%s', (_name, answers, extra, level) => {
  expect(recommend(answers).extras.find((e) => e.id === extra)?.level).toBe(level)
})

test('a workload with a platform JWT authenticates with it: client credentials, its jwks_uri, aud = issuer', () => {
  const result = recommend({
    app: 'service',
    assertion: 'yes',
    assurance: 'standard',
    migrating: 'none',
  })
  expect(result.client).toMatchObject({
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks_uri: 'https://platform.example.com/.well-known/jwks.json',
  })
  const audience = result.extras.find((e) => e.id === 'assertion-checks')
  expect(audience?.why).toMatch(/issuer identifier as the only value/)
  expect(audience?.sources.map((s) => s.label)).toContain('draft-ietf-oauth-rfc7523bis')
  // Token exchange and the JWT bearer grant are explained as the other routes, not hidden.
  expect(result.alternatives.map((a) => a.grant)).toEqual(
    expect.arrayContaining([jwtBearerGrant, 'urn:ietf:params:oauth:grant-type:token-exchange']),
  )
})

test('FAPI 2.0 is cited only where FAPI 2.0 says something about it', () => {
  const fapiRows = [...grantRules.flatMap((r) => r.reasons), ...extraRules, ...alternativeRules]
    .filter((row) => row.sources.some((s) => s.label.startsWith('FAPI 2.0')))
    .map((row) => ('text' in row ? row.text : row.why))
  // Never the JWT bearer grant: FAPI 2.0 has nothing to say about it (review, “Citations”).
  for (const text of fapiRows) expect(text).not.toMatch(/JWT bearer|assertion grant/i)
  expect(fapiRows.length).toBeGreaterThan(0)
})

test('the Browser-Based Apps BCP is cited as RFC 10017, never as a draft', () => {
  const sources = [
    ...grantRules.flatMap((r) => r.reasons.flatMap((reason) => reason.sources)),
    ...extraRules.flatMap((r) => r.sources),
    ...alternativeRules.flatMap((r) => r.sources),
    ...migrationRules.flatMap((r) => r.sources),
    ...caveatRules.flatMap((r) => r.sources),
  ]
  const browserApps = sources.filter((s) => /browser-based|10017/i.test(`${s.label} ${s.href}`))
  expect(browserApps.length).toBeGreaterThan(0)
  for (const source of browserApps) {
    expect(source.label).toMatch(/^RFC 10017/)
    expect(source.href).toMatch(/^https:\/\/www\.rfc-editor\.org\/rfc\/rfc10017/)
  }
})

test('the mobile app gets claimed https, private-use scheme and loopback redirect forms', () => {
  const result = recommend({ ...base, app: 'native', browser: 'yes' })
  expect(result.client.redirect_uris).toEqual([
    'https://app.example.com/oauth/callback',
    'com.example.app:/oauth/callback',
    'http://127.0.0.1/callback',
  ])
  expect(result.client.application_type).toBe('native')
})

test('the call-centre draft: the CIBA grant in poll mode, openid, and no redirect URIs', () => {
  const result = recommend({
    app: 'decoupled',
    refresh: 'yes',
    assurance: 'standard',
    migrating: 'none',
  })
  expect(result.client).toEqual({
    client_name: 'My call-centre app',
    application_type: 'web',
    grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile offline_access orders:read',
    backchannel_token_delivery_mode: 'poll',
  })
  expect(result.migration).toBeUndefined()
  const moving = recommend({ app: 'decoupled', assurance: 'standard', migrating: 'password' })
  expect(moving.migration?.steps[0]).toMatch(/login_hint/)
})

test('a web app’s draft carries post_logout_redirect_uris for RP-initiated logout', () => {
  expect(recommend({ ...base, app: 'web' }).client.post_logout_redirect_uris).toEqual([
    'https://app.example.com/',
  ])
  expect(
    recommend({ ...base, app: 'native', browser: 'yes' }).client.post_logout_redirect_uris,
  ).toEqual(['com.example.app:/oauth/signed-out'])
  expect(recommend({ ...base, app: 'device' }).client.post_logout_redirect_uris).toBeUndefined()
})

test('staying signed in with OpenID Connect asks for offline_access', () => {
  const result = recommend({ ...base, app: 'web', identity: 'yes', refresh: 'yes' })
  expect(result.client.scope).toBe('openid profile offline_access orders:read')
  expect(result.client.grant_types).toEqual(['authorization_code', 'refresh_token'])
})

describe('partial answers', () => {
  test('only the app: the advice uses the assumed values and lists them', () => {
    const result = recommend({ app: 'spa' })
    expect(result.grant).toBe('authorization_code')
    expect(result.clientKind).toBe('public')
    expect(result.assumed.map((a) => `${a.key}=${a.value}`)).toEqual([
      'backend=no',
      'identity=no',
      'refresh=no',
      'assurance=standard',
      'migrating=none',
    ])
  })

  test('the missing questions are reported in order', () => {
    expect(missingQuestions({})).toEqual(['app', 'assurance', 'migrating'])
    expect(missingQuestions({ app: 'cli', browser: 'no' })).toEqual([
      'identity',
      'refresh',
      'assurance',
      'migrating',
    ])
    expect(missingQuestions({ app: 'service', assertion: 'yes', assurance: 'high' })).toEqual([
      'migrating',
    ])
  })

  test('questions branch on the kind of app', () => {
    const keys = (draft: AnswerDraft) => applicableQuestions(draft).map((q) => q.key)
    expect(keys({ app: 'spa' })).toEqual([
      'app',
      'backend',
      'identity',
      'refresh',
      'assurance',
      'migrating',
    ])
    expect(keys({ app: 'native' })).toContain('browser')
    expect(keys({ app: 'service' })).toEqual(['app', 'assertion', 'assurance', 'migrating'])
    expect(keys({ app: 'api' })).toEqual(['app', 'assertion', 'assurance', 'migrating'])
  })
})

describe('the query string', () => {
  test('round-trips in question order', () => {
    const query = serializeAnswers({ migrating: 'none', app: 'native', browser: 'yes' })
    expect(query).toBe('app=native&browser=yes&migrating=none')
    expect(parseAnswers(`?${query}`)).toEqual({ app: 'native', browser: 'yes', migrating: 'none' })
  })

  test.each([
    ['', {}],
    ['?', {}],
    ['?app=', {}],
    ['?app=toaster', {}],
    ['?app=spa&backend=maybe', { app: 'spa' }],
    ['?app=web&backend=yes&browser=no&assertion=yes', { app: 'web' }],
    ['?app=service&migrating=implicit', { app: 'service' }],
    ['?backend=yes', {}],
    ['?app=SPA&identity=%20Yes%20', { app: 'spa', identity: 'yes' }],
    ['?app=spa&app=web', { app: 'spa' }],
    ['?__proto__=x&constructor=y&app=cli&browser=no', { app: 'cli', browser: 'no' }],
    ['?%E0%A4%A=1&app=device&assurance=high&utm_source=mail', { app: 'device', assurance: 'high' }],
    [`?app=${'x'.repeat(10_000)}`, {}],
  ])('ignores what it does not know: %s', (query, expected) => {
    expect(parseAnswers(query)).toEqual(expected)
  })

  test('serialising drops answers whose question does not apply', () => {
    expect(serializeAnswers({ app: 'web', backend: 'yes', assurance: 'high' })).toBe(
      'app=web&assurance=high',
    )
    expect(serializeAnswers({})).toBe('')
  })
})

test('every rule in the tables is reachable by some answers', () => {
  const used = new Set<unknown>()
  for (const answers of combinations) {
    const result = recommend(answers)
    const situation = result.situation
    used.add(
      grantRules.find((rule) => rule.grant === result.grant && rule.reasons === result.reasons),
    )
    for (const extra of result.extras) {
      used.add(extraRules.find((rule) => rule.extra === extra.id && rule.why === extra.why))
    }
    for (const alternative of result.alternatives) {
      used.add(alternativeRules.find((rule) => rule.why === alternative.why))
    }
    if (result.migration) {
      used.add(migrationRules.find((rule) => rule.steps === result.migration?.steps))
    }
    expect(situation.app).toBe(answers.app)
  }
  const unused = [...grantRules, ...extraRules, ...alternativeRules, ...migrationRules].filter(
    (rule) => !used.has(rule),
  )
  expect(unused).toEqual([])
})

test('an API that agents call is told what its resource server must do: RFC 9728 metadata, aud, no passthrough', () => {
  for (const assertion of ['yes', 'no'] as const) {
    const result = recommend({ app: 'api', assertion, assurance: 'standard', migrating: 'none' })
    const duties = result.extras.find((extra) => extra.id === 'resource-server-duties')
    expect(duties?.why).toMatch(/RFC 9728 metadata/)
    expect(duties?.why).toMatch(/resource_metadata/)
    expect(duties?.why).toMatch(/`aud` names your own URL/)
    expect(duties?.why).toMatch(/never pass a token you received on/)
    expect(duties?.sources.map((source) => source.label)).toEqual(
      expect.arrayContaining(['RFC 9728 §5.1', 'RFC 8707 §2']),
    )
  }
})

test('the agent’s backend question is asked in the agent’s words, and the link keeps the answer', () => {
  const question = applicableQuestions({ app: 'agent' }).map((q) => q.key)
  expect(question).toEqual(['app', 'backend', 'refresh', 'assurance', 'migrating'])
  expect(answerLabel('backend', 'no', { app: 'agent' })).toBe(
    'No, it runs on the user’s computer or in their browser',
  )
  expect(answerLabel('backend', 'no', { app: 'spa' })).toBe('No, only static files')
  expect(parseAnswers('?app=agent&backend=yes&identity=yes')).toEqual({
    app: 'agent',
    backend: 'yes',
  })
  expect(recommend({ app: 'agent' }).assumed.map((a) => a.label)).toContain(
    'No, it runs on the user’s computer or in their browser',
  )
})
