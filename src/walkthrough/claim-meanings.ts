import type { ShownToken } from '../flows/flow-model.ts'

/** What each common claim means, in a few words. `sub` depends on the token: see claimMeaning. */
const claimMeanings: Record<string, string> = {
  iss: 'Issuer: who made this token',
  aud: 'Audience: who the token is meant for',
  exp: 'Expires at',
  iat: 'Issued at',
  nbf: 'Not valid before',
  auth_time: 'When the user last logged in',
  nonce: 'The value the client sent, echoed back',
  at_hash: 'Hash of the access token issued with it',
  c_hash: 'Hash of the authorization code issued with it',
  azp: 'Authorized party: the client it was issued to',
  sid: 'Login session id',
  events: 'Events: the back-channel logout event makes this a logout token',
  jti: 'Unique id of this token',
  scope: 'Permissions granted',
  client_id: 'The client the token was issued to',
  act: 'Actor: who acts on behalf of the subject (delegation)',
  name: 'Full name',
  email: 'Email address',
  email_verified: 'Whether the email was verified',
  preferred_username: 'Short name the user goes by',
  acr: 'Authentication context class',
  amr: 'Authentication methods used',
  cnf: 'Confirmation: the key the token is bound to (jkt is its thumbprint)',
  htm: 'The HTTP method of the request the proof is for',
  htu: 'The URI of the request the proof is for, without query and fragment',
  ath: 'Hash of the access token sent with the proof',
}

const subjectMeanings: Record<NonNullable<ShownToken['subject']> | 'unknown', string> = {
  user: 'Subject: the user (a stable id at this issuer)',
  client: 'Subject: the client itself (its client_id); no user takes part',
  unknown: 'Subject: whom the token is about',
}

/**
 * The meaning shown beside a claim. `sub` is labelled by what the token says it names: a user
 * for ID tokens and users' access tokens, the client for client credentials, actor tokens and
 * client assertions (RFC 6749 §4.4, RFC 7523 §3).
 */
export function claimMeaning(
  name: string,
  token: Pick<ShownToken, 'subject' | 'claimMeanings'>,
): string {
  const own = token.claimMeanings?.[name]
  if (own !== undefined) return own
  if (name === 'sub') return subjectMeanings[token.subject ?? 'unknown']
  return claimMeanings[name] ?? ''
}
