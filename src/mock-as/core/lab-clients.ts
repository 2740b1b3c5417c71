import type { ClientRecord } from './clients'

/**
 * The attack lab's demo clients (docs/decisions/126). Some stand for a server that gets one rule
 * wrong for them, and only for them: the weakness is named in their `client_id` and
 * `client_name`, and each is one `if` at the place of the rule it skips. The others are their
 * unweakened twins, registered alike, for the runs with the defence switched on.
 */
export type LabWeakness =
  /** Redirect URIs compared by prefix instead of as exact strings (breaks RFC 9700 §4.1.3). */
  | 'prefix-redirect-uri'
  /** Refresh tokens neither rotated nor checked for reuse (breaks RFC 9700 §4.14.2). */
  | 'no-refresh-rotation'
  /** A code_verifier accepted for a code issued without a challenge (breaks RFC 9700 §4.8.2). */
  | 'verifier-without-challenge'
  /** Sign-in and consent forms not bound to the browser that started them (RFC 6749 §10.12). */
  | 'unbound-forms'

export interface LabClientSettings {
  /**
   * An app of the server's own operator: no consent page unless `prompt=consent`, as servers do
   * for first-party apps. Lets a sign-in finish in the request that posts the password.
   */
  firstParty?: true
  weakness?: LabWeakness
}

/** The attacks whose client callback pages the lab's clients redirect to (`/attacks/<id>/callback`). */
export const labAttackIds = [
  'csrf',
  'code-injection',
  'pkce-downgrade',
  'mix-up',
  'redirect-uri-manipulation',
  'refresh-token-replay',
  'access-token-replay',
  'id-token-replay',
  'implicit-token-leakage',
  'consent-csrf',
] as const

export type LabAttackId = (typeof labAttackIds)[number]

export function labCallbackUri(appOrigin: string, attackId: string): string {
  return `${appOrigin}/attacks/${attackId}/callback`
}

/** The redirect URI of the attacker's server, served next to this one (docs/decisions/127). */
export function attackerCallbackUri(serverOrigin: string): string {
  return `${serverOrigin}/attacker/callback`
}

/** Whether the client stands for this weakness. Only lab demo clients ever do. */
export function hasWeakness(client: ClientRecord, weakness: LabWeakness): boolean {
  return client.source === 'demo' && client.lab?.weakness === weakness
}

const userScopes = 'openid profile email offline_access orders:read orders:write'

/**
 * Built from the app's origin on every request, like the other demo clients, never stored. The
 * third-party apps redirect to the attacker's server, at `serverOrigin` (the app's, in the worker).
 */
export function buildLabClients(appOrigin: string, serverOrigin = appOrigin): ClientRecord[] {
  const callbacks = labAttackIds.map((id) => labCallbackUri(appOrigin, id))
  const publicCodeClient = (
    client_id: string,
    client_name: string,
    lab: LabClientSettings,
  ): ClientRecord => ({
    client_id,
    client_name,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: callbacks,
    scope: userScopes,
    lab,
    source: 'demo',
  })
  const confidentialCodeClient = (
    client_id: string,
    client_name: string,
    lab: LabClientSettings,
  ): ClientRecord => ({
    ...publicCodeClient(client_id, client_name, lab),
    client_secret: `${client_id}-secret`,
    token_endpoint_auth_method: 'client_secret_basic',
  })
  const thirdPartyClient = (
    client_id: string,
    client_name: string,
    lab: LabClientSettings,
  ): ClientRecord => ({
    client_id,
    client_name,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // The app belongs to the attacker: its redirect URI is the attacker's server.
    redirect_uris: [attackerCallbackUri(serverOrigin)],
    scope: 'openid profile email orders:read',
    lab,
    source: 'demo',
  })
  return [
    publicCodeClient('grantlab-lab-spa', 'Attack lab single-page app', { firstParty: true }),
    confidentialCodeClient('grantlab-lab-web', 'Attack lab web app', { firstParty: true }),
    {
      // OIDC Core §3.3: signs users in with the front-channel ID token (response_type code id_token).
      ...confidentialCodeClient('grantlab-lab-hybrid', 'Attack lab hybrid-flow app', {
        firstParty: true,
      }),
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code id_token', 'code'],
    },
    {
      // The deprecated implicit grant (RFC 9700 §2.1.2): allowed only for clients marked legacy.
      client_id: 'grantlab-lab-implicit',
      client_name: 'Attack lab legacy app (implicit grant)',
      token_endpoint_auth_method: 'none',
      grant_types: ['implicit'],
      response_types: ['token'],
      redirect_uris: callbacks,
      scope: 'profile email orders:read',
      legacy: true,
      lab: { firstParty: true },
      source: 'demo',
    },
    publicCodeClient(
      'grantlab-lax-redirects',
      'Attack lab app (WEAKENED: redirect URIs matched by prefix)',
      { firstParty: true, weakness: 'prefix-redirect-uri' },
    ),
    publicCodeClient(
      'grantlab-no-rotation',
      'Attack lab app (WEAKENED: refresh tokens not rotated)',
      { firstParty: true, weakness: 'no-refresh-rotation' },
    ),
    confidentialCodeClient(
      'grantlab-lax-pkce',
      'Attack lab web app (WEAKENED: accepts a PKCE verifier without a challenge)',
      { firstParty: true, weakness: 'verifier-without-challenge' },
    ),
    thirdPartyClient('grantlab-lab-third-party', 'Prize Draw (a third-party app)', {}),
    thirdPartyClient(
      'grantlab-unbound-consent',
      'Prize Draw (WEAKENED: consent not bound to the browser)',
      { weakness: 'unbound-forms' },
    ),
  ]
}
