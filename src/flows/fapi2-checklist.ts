/**
 * The FAPI 2.0 Security Profile requirements the FAPI walkthrough checks off, as data: each with
 * its section, who must meet it, and how this demo stands to it. A requirement is ticked only by
 * a step whose real exchange showed it; the ones a local http demo cannot meet say why.
 * @see [FAPI 2.0 Security Profile](https://openid.net/specs/fapi-security-profile-2_0-final.html)
 */
import { fapi2 } from '../shared/spec-links.ts'
import type { JsonValue, ShownValue } from './flow-model.ts'

export type Party = 'Authorization server' | 'Client' | 'Resource server'

export interface Fapi2Requirement {
  id: string
  section: string
  party: Party
  /** What the party shall do, in our own words. */
  text: string
  /** Set when this demo cannot meet it: why, in a sentence. */
  notMetHere?: string
}

export const fapi2Requirements = [
  {
    id: 'metadata',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'publishes its metadata (RFC 8414, OpenID Connect Discovery)',
  },
  {
    id: 'issuer-match',
    section: '5.3.3.1',
    party: 'Client',
    text: 'uses metadata only from the document whose issuer is the one it asked for',
  },
  {
    id: 'client-auth',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'authenticates confidential clients with private_key_jwt (or mutual TLS)',
  },
  {
    id: 'aud-issuer',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'accepts only its issuer identifier, as a string, in the aud of client assertions',
  },
  {
    id: 'aud-sent',
    section: '5.3.3.1',
    party: 'Client',
    text: 'sends the issuer identifier as the aud of its assertions, as a string, not in an array',
  },
  {
    id: 'par-required',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'refuses authorization requests that were not pushed (PAR, RFC 9126)',
  },
  {
    id: 'par-client-auth',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'accepts pushed authorization requests with client authentication',
  },
  {
    id: 'par-lifetime',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'gives each request_uri an expires_in below 600 seconds',
  },
  {
    id: 'iss',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'returns iss in the authorization response (RFC 9207)',
  },
  {
    id: 'iss-checked',
    section: '5.3.3.2',
    party: 'Client',
    text: 'uses PAR and PKCE (S256), and checks iss in the authorization response',
  },
  {
    id: 'sender-constrained',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'issues only sender-constrained access tokens, here by DPoP (RFC 9449)',
  },
  {
    id: 'code-binding',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'binds the authorization code to the DPoP key (RFC 9449 §10.1)',
  },
  {
    id: 'dpop-nonce',
    section: '5.3.3.1',
    party: 'Client',
    text: 'supports the server-provided DPoP nonce (RFC 9449 §8)',
  },
  {
    id: 'rs-sender-constraint',
    section: '5.3.4',
    party: 'Resource server',
    text: 'verifies the sender constraint and refuses the token without it',
  },
  {
    id: 'pkce-required',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'requires PKCE with S256 from every client',
    notMetHere:
      'This server requires PKCE from public clients only; a confidential client like this one may leave it out (RFC 9700 makes PKCE a SHOULD for them). It accepts S256 alone, and this client sends it.',
  },
  {
    id: 'algorithms',
    section: '5.4',
    party: 'Authorization server',
    text: 'signs JWTs with PS256, ES256 or Ed25519 only',
    notMetHere:
      'Everything signed in this run is ES256: the access token, the ID token, the client assertion and the DPoP proofs. But the server still signs RS256 ID tokens for clients that ask for nothing else (OpenID Connect’s default) and accepts RS256 assertions and proofs, which FAPI 2.0 does not allow.',
  },
  {
    id: 'tls',
    section: '5.2.1',
    party: 'Authorization server',
    text: 'offers only TLS-protected endpoints (TLS 1.2 or later)',
    notMetHere:
      'The demo runs on plain http on your own machine (in a service worker, or on a loopback port with npm run as): there is no TLS at all, which FAPI 2.0 puts first. A deployment serves every endpoint over TLS 1.2 or later.',
  },
  {
    id: 'redirect-https',
    section: '5.3.2.2',
    party: 'Authorization server',
    text: 'allows no http redirect URIs, except native apps’ loopback redirects',
    notMetHere:
      'This web client’s redirect URI is http on the app’s own local origin, which the demo server allows for loopback hosts.',
  },
  {
    id: 'no-rotation',
    section: '5.3.2.1',
    party: 'Authorization server',
    text: 'does not rotate refresh tokens (unless a lost answer can be retried)',
    notMetHere:
      'This server rotates every refresh token; the FAPI client registers no refresh_token grant, so this run has no refresh token at all.',
  },
] as const satisfies readonly Fapi2Requirement[]

export type Fapi2RequirementId = (typeof fapi2Requirements)[number]['id']

/** What the run saved: for each ticked requirement, what showed it. JSON, as flow data must be. */
export type Fapi2Ticks = { [id: string]: JsonValue | undefined }

export function requirement(id: Fapi2RequirementId): Fapi2Requirement {
  const found = fapi2Requirements.find((entry) => entry.id === id)
  if (!found) throw new Error(`no FAPI 2.0 requirement ${id}`)
  return found
}

/** The values a step shows for the requirements it ticked, each linked to its section. */
export function tickValues(ticks: Partial<Record<Fapi2RequirementId, string>>): ShownValue[] {
  return Object.entries(ticks).map(([id, evidence]) => {
    const entry = requirement(id as Fapi2RequirementId)
    return {
      label: `FAPI 2.0 §${entry.section} (${entry.party.toLowerCase()})`,
      value: `✓ ${entry.text}`,
      note: evidence,
      spec: fapi2(entry.section),
    }
  })
}

/** Adds a step's ticks to those the run saved. */
export function withTicks(
  saved: Fapi2Ticks | undefined,
  ticks: Partial<Record<Fapi2RequirementId, string>>,
): Fapi2Ticks {
  return { ...(saved ?? {}), ...ticks }
}

/** The whole checklist at the end: ticked, not met here (with why), or not shown by this run. */
export function checklistSummary(saved: Fapi2Ticks | undefined): {
  values: ShownValue[]
  ticked: number
  notMet: number
  notShown: number
} {
  let ticked = 0
  let notMet = 0
  let notShown = 0
  const values = fapi2Requirements.map((entry): ShownValue => {
    const requirementEntry: Fapi2Requirement = entry
    const evidence = saved?.[entry.id]
    const label = `FAPI 2.0 §${entry.section} (${entry.party.toLowerCase()})`
    if (requirementEntry.notMetHere !== undefined) {
      notMet += 1
      return {
        label,
        value: `✗ ${entry.text}`,
        note: `Not met by this demo: ${requirementEntry.notMetHere}`,
        spec: fapi2(entry.section),
      }
    }
    if (typeof evidence === 'string') {
      ticked += 1
      return { label, value: `✓ ${entry.text}`, note: evidence, spec: fapi2(entry.section) }
    }
    notShown += 1
    return {
      label,
      value: `– ${entry.text}`,
      note: 'Not shown by this run (a step was skipped or failed).',
      spec: fapi2(entry.section),
    }
  })
  return { values, ticked, notMet, notShown }
}
