import {
  type Answers,
  answerLabel,
  applicableQuestions,
  type QuestionKey,
  questions,
} from './questions.ts'
import {
  alternativeRules,
  type ClientKind,
  type ClientProfile,
  caveatRules,
  cibaGrant,
  type ExtraId,
  type ExtraLevel,
  extraRules,
  type GrantType,
  grantInfo,
  grantRules,
  type LegacyGrant,
  migrationRules,
  profiles,
  type Reason,
  type Situation,
  type When,
} from './rules.ts'
import type { Source } from './sources.ts'

export type { ExtraId, GrantType, LegacyGrant, Reason, Situation } from './rules.ts'

/**
 * Draft RFC 7591 client metadata, with the RFC 9449 and RFC 9126 registration fields, CIBA's
 * delivery mode (CIBA Core §4) and RP-Initiated Logout's redirect URIs (§3.1). It never carries a
 * secret or a private key: the server issues the secret, the key stays with the client.
 */
export type ClientDraft = {
  client_name: string
  application_type: 'web' | 'native'
  grant_types: string[]
  response_types: string[]
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'private_key_jwt'
  scope: string
  redirect_uris?: string[]
  post_logout_redirect_uris?: string[]
  /** The client's home page (RFC 7591 §2); an agent's Client ID Metadata Document lives below it. */
  client_uri?: string
  jwks_uri?: string
  token_endpoint_auth_signing_alg?: string
  dpop_bound_access_tokens?: boolean
  require_pushed_authorization_requests?: boolean
  backchannel_token_delivery_mode?: 'poll'
}

export type Extra = {
  id: ExtraId
  title: string
  level: ExtraLevel
  why: string
  sources: readonly Source[]
}

export type Alternative = {
  grant: GrantType | LegacyGrant
  title: string
  why: string
  sources: readonly Source[]
  walkthroughId: string
}

export type Migration = {
  from: 'implicit' | 'password'
  steps: readonly string[]
  sources: readonly Source[]
}

/** An applicable question the answers left open, and the value the advice assumed for it. */
export type Assumption = { key: QuestionKey; value: string; label: string }

export type Recommendation = {
  grant: GrantType
  title: string
  clientKind: ClientKind
  client: ClientDraft
  extras: readonly Extra[]
  reasons: readonly Reason[]
  alternatives: readonly Alternative[]
  /** What the drafted client cannot reach (for example FAPI 2.0 as a public client). */
  caveats: readonly Reason[]
  migration?: Migration
  walkthroughId: string
  /** Every answer the advice used, defaults included. */
  situation: Situation
  /** Non-empty when some applicable questions were unanswered. */
  assumed: readonly Assumption[]
}

const allGrants: readonly (GrantType | LegacyGrant)[] = [
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:device_code',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  cibaGrant,
  'implicit',
  'password',
]

export function matches(when: When, situation: Partial<Situation>): boolean {
  return Object.entries(when).every(([key, expected]) => {
    const actual = situation[key as keyof Situation]
    return Array.isArray(expected) ? expected.includes(actual) : actual === expected
  })
}

/** Fills every unanswered question with its assumed value and records which ones were assumed. */
function fillAnswers(answers: Answers): {
  filled: Omit<Situation, 'grant' | 'client'>
  assumed: Assumption[]
} {
  const assumed: Assumption[] = []
  const filled: Record<string, string> = { app: answers.app }
  const applicable = new Set(applicableQuestions(answers).map((q) => q.key))
  for (const question of questions) {
    if (question.key === 'app') continue
    const given = answers[question.key]
    const value = given ?? question.assumed ?? 'no'
    filled[question.key] = value
    if (given === undefined && applicable.has(question.key)) {
      assumed.push({
        key: question.key,
        value,
        label: answerLabel(question.key, value, answers),
      })
    }
  }
  return { filled: filled as Omit<Situation, 'grant' | 'client'>, assumed }
}

function buildScope(base: string, situation: Situation): string {
  const scopes: string[] = []
  // CIBA is sign-in by design: every request asks for openid (CIBA Core §7.1).
  const signsIn = situation.identity === 'yes' || situation.grant === cibaGrant
  if (signsIn) scopes.push('openid', 'profile')
  // OpenID Connect Core §11: refresh tokens that outlive the user's session are asked for by name.
  if (signsIn && situation.refresh === 'yes') scopes.push('offline_access')
  scopes.push(base)
  return scopes.join(' ')
}

const refreshableGrants: readonly GrantType[] = [
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:device_code',
  cibaGrant,
]

function buildClient(
  situation: Situation,
  profile: ClientProfile,
  extras: readonly Extra[],
): ClientDraft {
  const has = (id: ExtraId) => extras.some((e) => e.id === id && e.level === 'required')
  const privateKeyJwt = situation.client === 'confidential' && has('private-key-jwt')
  const grantTypes: string[] = [situation.grant]
  if (situation.refresh === 'yes' && refreshableGrants.includes(situation.grant)) {
    grantTypes.push('refresh_token')
  }
  const client: ClientDraft = {
    client_name: profile.clientName,
    application_type: profile.applicationType,
    grant_types: grantTypes,
    // RFC 7591 §2: an absent response_types means ["code"], so grants without one say [] outright.
    response_types: situation.grant === 'authorization_code' ? ['code'] : [],
    token_endpoint_auth_method:
      situation.client === 'public'
        ? 'none'
        : privateKeyJwt
          ? 'private_key_jwt'
          : 'client_secret_basic',
    scope: buildScope(profile.scope, situation),
  }
  if (profile.redirectUris.length > 0) client.redirect_uris = [...profile.redirectUris]
  // RP-initiated logout brings the browser back to one of these (OpenID RP-Initiated Logout §3.1).
  if (extras.some((e) => e.id === 'logout') && profile.postLogoutRedirectUris?.length) {
    client.post_logout_redirect_uris = [...profile.postLogoutRedirectUris]
  }
  // CIBA Core §4: a CIBA client registers how it gets its tokens; poll needs no endpoint of its own.
  if (situation.grant === cibaGrant) client.backchannel_token_delivery_mode = 'poll'
  if (profile.clientUri !== undefined) client.client_uri = profile.clientUri
  if (privateKeyJwt) {
    client.jwks_uri = profile.jwksUri ?? 'https://app.example.com/.well-known/jwks.json'
    client.token_endpoint_auth_signing_alg = profile.assertionAlg ?? 'ES256'
  }
  if (has('dpop')) client.dpop_bound_access_tokens = true
  if (has('par')) client.require_pushed_authorization_requests = true
  return client
}

/**
 * The grant, its extras, the draft client and the reasons for the given answers. Pure: the same
 * answers always give the same advice. Unanswered questions take their assumed values, listed in
 * `assumed` so the page can say so.
 */
export function recommend(answers: Answers): Recommendation {
  const { filled, assumed } = fillAnswers(answers)
  const rule = grantRules.find((r) => matches(r.when, filled))
  if (!rule) throw new Error(`No grant rule matches app “${filled.app}”`)
  const situation: Situation = {
    ...filled,
    grant: rule.grant,
    client: profiles[rule.profile].client,
  }

  const extras: Extra[] = []
  for (const row of extraRules) {
    if (extras.some((e) => e.id === row.extra) || !matches(row.when, situation)) continue
    extras.push({
      id: row.extra,
      title: row.title,
      level: row.level,
      why: row.why,
      sources: row.sources,
    })
  }

  const levelOrder: readonly ExtraLevel[] = ['required', 'recommended', 'optional']
  extras.sort((a, b) => levelOrder.indexOf(a.level) - levelOrder.indexOf(b.level))

  const alternatives: Alternative[] = []
  for (const grant of allGrants) {
    if (grant === situation.grant) continue
    const row = alternativeRules.find((r) => r.grant === grant && matches(r.when, situation))
    if (!row) continue
    const info = grantInfo[grant]
    alternatives.push({
      grant,
      title: info.title,
      why: row.why,
      sources: row.sources,
      walkthroughId: info.walkthroughId,
    })
  }

  const migrationRule =
    situation.migrating === 'none'
      ? undefined
      : migrationRules.find((r) => matches(r.when, situation))
  const migration: Migration | undefined =
    migrationRule && situation.migrating !== 'none'
      ? { from: situation.migrating, steps: migrationRule.steps, sources: migrationRule.sources }
      : undefined

  const caveats: Reason[] = caveatRules
    .filter((row) => matches(row.when, situation))
    .map((row) => ({ text: row.text, sources: row.sources }))

  const info = grantInfo[situation.grant]
  return {
    grant: situation.grant,
    title: info.title,
    clientKind: situation.client,
    client: buildClient(situation, profiles[rule.profile], extras),
    extras,
    reasons: rule.reasons,
    alternatives,
    caveats,
    ...(migration ? { migration } : {}),
    walkthroughId: rule.walkthroughId ?? info.walkthroughId,
    situation,
    assumed,
  }
}
