import { describe, expect, test } from 'vitest'
import { allAnswerCombinations } from './answer-space.ts'
import {
  type AnswerDraft,
  type Answers,
  applicableQuestions,
  missingQuestions,
  parseAnswers,
  serializeAnswers,
} from './questions.ts'
import { type ExtraId, recommend } from './recommend.ts'
import { alternativeRules, extraRules, grantRules, migrationRules } from './rules.ts'

const combinations = allAnswerCombinations()
const userFacing = ['spa', 'web', 'native', 'cli', 'device']
const extraIds = (answers: Answers): ExtraId[] => recommend(answers).extras.map((e) => e.id)
const label = (answers: Answers) => serializeAnswers(answers)

test('the answer space is enumerated in full', () => {
  // spa 2·2·2·2·3 + web 2·2·2·3 + native 2·2·2·2·3 + cli 2·2·2·2·2 + device 2·2·2·2
  // + service 2·2·2 + api 2·2·2 = 48 + 24 + 48 + 32 + 16 + 8 + 8
  expect(combinations).toHaveLength(184)
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
      expect(client.application_type).toBe(
        ['native', 'cli', 'device'].includes(answers.app) ? 'native' : 'web',
      )
      if (client.token_endpoint_auth_method === 'private_key_jwt') {
        expect(client.jwks_uri).toMatch(/^https:\/\//)
      }
      expect(JSON.stringify(client)).not.toMatch(/secret"|private_key"|"d":/)
    })

    test('redirect URIs have the form the app kind needs', () => {
      for (const uri of client.redirect_uris ?? []) {
        if (answers.app === 'cli') expect(uri).toBe('http://127.0.0.1/callback')
        else if (answers.app === 'native') {
          expect(uri).toMatch(/^(https:\/\/|com\.example\.app:\/|http:\/\/127\.0\.0\.1\/)/)
        } else expect(uri).toMatch(/^https:\/\//)
        expect(uri).not.toContain('localhost')
      }
    })

    test('sign-in adds OpenID Connect for user-facing apps', () => {
      const scopes = client.scope.split(' ')
      if (answers.identity === 'yes' && userFacing.includes(answers.app)) {
        expect(scopes).toContain('openid')
        expect(extraIds(answers)).toContain('oidc')
      } else {
        expect(scopes).not.toContain('openid')
        expect(extraIds(answers)).not.toContain('oidc')
      }
    })

    test('refresh adds the refresh_token grant where the grant allows it, protected', () => {
      const allowsRefresh = ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code']
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

    test('high assurance adds PAR, DPoP and private_key_jwt where they apply', () => {
      const ids = extraIds(answers)
      if (answers.assurance === 'high') {
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
        expect(ids).not.toContain('dpop')
        expect(ids).not.toContain('par')
        expect(client.dpop_bound_access_tokens).toBeUndefined()
        expect(client.require_pushed_authorization_requests).toBeUndefined()
        expect(client.token_endpoint_auth_method).not.toBe('private_key_jwt')
      }
    })

    test('every reason, extra and alternative cites a source with an https link', () => {
      const cited = [...result.reasons, ...result.extras, ...result.alternatives]
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
      expect(losers).toHaveLength(6)
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
    extras: ['pkce', 'oidc', 'refresh-rotation', 'bff'],
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
    extras: ['pkce', 'oidc', 'private-key-jwt'],
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
    name: 'service holding a federated JWT',
    answers: { app: 'service', assertion: 'yes', assurance: 'standard', migrating: 'none' },
    grant: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    extras: ['assertion-checks', 'client-authentication'],
    auth: 'none',
    walkthroughId: 'jwt-bearer',
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

test('the SPA without a backend gets the BFF as an option, the SPA with one requires it', () => {
  const level = (answers: Answers) => recommend(answers).extras.find((e) => e.id === 'bff')?.level
  expect(level({ ...base, app: 'spa', backend: 'no' })).toBe('optional')
  expect(level({ ...base, app: 'spa', backend: 'no', assurance: 'high' })).toBe('recommended')
  expect(level({ ...base, app: 'spa', backend: 'yes' })).toBe('required')
})

test('PKCE is required of public clients and recommended to confidential ones', () => {
  const pkce = (answers: Answers) => recommend(answers).extras.find((e) => e.id === 'pkce')?.level
  expect(pkce({ ...base, app: 'spa', backend: 'no' })).toBe('required')
  expect(pkce({ ...base, app: 'web' })).toBe('recommended')
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
