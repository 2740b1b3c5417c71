/**
 * The JWT bearer grant: the client signs a JWT saying "user `sub` lets me, `iss`, act for them"
 * and trades it at the token endpoint for an access token, with no browser and no user present.
 * The learner edits the assertion's claims and sees which of the server's checks fails.
 * @see [RFC 7523 §2.1](https://www.rfc-editor.org/rfc/rfc7523#section-2.1)
 * @see [RFC 7523 §3](https://www.rfc-editor.org/rfc/rfc7523#section-3)
 */
import type { JWTPayload } from 'jose'
import * as oauth from 'oauth4webapi'
import { rfc, rfc7523bis } from '../shared/spec-links.ts'
import { need } from './code-flow-steps.ts'
import {
  commonActors,
  defineFlow,
  type InputContext,
  type ShownValue,
  type StepResult,
} from './flow-model.ts'
import {
  assertionIssuerMetadata,
  discoverGrantStep,
  freshClaims,
  type JwkData,
  jwtBearerGrantType,
  loadJose,
  makeAssertionKey,
  registerAssertionIssuer,
  requestWithAssertion,
  signAssertion,
} from './jwt-assertion.ts'
import { callResourceServer } from './resource-server-call.ts'

export const jwtBearerFlowId = 'jwt-bearer'

/** Signs with a key pair made for this one assertion, which the server has never seen. */
async function signWithThrowawayKey(claims: JWTPayload, kid: string): Promise<string> {
  const { generateKeyPair, SignJWT } = await loadJose()
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .sign((await generateKeyPair('ES256')).privateKey)
}

const scope = 'profile orders:read'
const clientName = 'Grantlab JWT bearer walkthrough'

/**
 * The client this walkthrough registers, with the demo administrator's initial access token:
 * public, the jwt-bearer grant, the key made in the browser in `jwks`. The export tests take
 * their JWT bearer client from here (the advisor drafts none any more, docs/decisions/088).
 */
export function jwtBearerWalkthroughClient(publicJwk: JwkData) {
  return assertionIssuerMetadata({ name: clientName, publicJwk, scope })
}

type JwtBearerData = {
  as?: oauth.AuthorizationServer
  privateJwk?: JwkData
  publicJwk?: JwkData
  kid?: string
  clientId?: string
  /** The jti of the first assertion the server accepted: the "replayed jti" preset reuses it. */
  usedJti?: string
  accessToken?: string
}

/**
 * The server's checks in the order it makes them (docs/decisions/056). Its `error_description`
 * starts with the check's name, so the walkthrough can say which one failed and which passed.
 */
const checks = [
  { id: 'format', what: 'a compact JWT: header.claims.signature' },
  {
    id: 'alg',
    what: 'This server’s policy: an asymmetric signature only, never none or a MAC. RFC 7523 §3 also allows a MAC (HMAC).',
  },
  {
    id: 'iss',
    what: 'the issuer is a client registered with keys, trusted by an administrator, and it is the caller',
  },
  { id: 'signature', what: "verifies with the issuer's registered key (by kid)" },
  {
    id: 'aud',
    what: 'names this server. Send its issuer identifier as the only value (RFC 7523 update); RFC 7523 itself also allowed the token endpoint URL.',
  },
  {
    id: 'exp',
    what: 'present (RFC 7523 §3), not past (30 s leeway); at most an hour ahead is this server’s limit',
  },
  { id: 'nbf', what: 'if present, not in the future' },
  {
    id: 'iat',
    what: 'if present, not in the future; over an hour old is refused (this server’s reading of RFC 7523’s “unreasonably far in the past”)',
  },
  { id: 'sub', what: 'a user this server knows (alice or bob)' },
  { id: 'scope', what: "within the client's registered scopes (a request parameter)" },
  {
    id: 'jti',
    what: 'This server’s policy: present and never seen before, so it can refuse replays. RFC 7523 makes jti optional and replay checks something a server may do.',
  },
] as const

type CheckId = (typeof checks)[number]['id']

/** One line per check: passed, failed (with the server's words) or not reached. */
function checklist(failed: CheckId | undefined, description?: string): ShownValue[] {
  const failedAt = failed === undefined ? checks.length : checks.findIndex((c) => c.id === failed)
  return checks.map((check, index) => ({
    label: check.id,
    value:
      index < failedAt
        ? '✓ passed'
        : index === failedAt
          ? `✗ failed: ${(description ?? '').replace(/^[a-z]+: /, '')}`
          : '– not checked (the server stops at the first failure)',
    note: check.what,
  }))
}

function failedCheck(error: oauth.ResponseBodyError): CheckId | undefined {
  if (error.error === 'invalid_scope') return 'scope'
  const prefix = /^([a-z]+): /.exec(error.error_description ?? '')?.[1]
  return checks.find((check) => check.id === prefix)?.id
}

/** What the learner edits: the claims, and which private key signs them. */
interface EditorValue {
  sign_with: 'registered-key' | 'unregistered-key'
  claims: JWTPayload
}

function editorText(claims: JWTPayload, signWith: EditorValue['sign_with'] = 'registered-key') {
  return JSON.stringify({ sign_with: signWith, claims } satisfies EditorValue, null, 2)
}

function baseClaims(ctx: InputContext<JwtBearerData>): JWTPayload {
  return freshClaims({
    clientId: ctx.data.clientId ?? '(run the registration step first)',
    sub: 'alice',
    // The issuer identifier alone: what draft-ietf-oauth-rfc7523bis requires of assertions.
    audience: ctx.data.as?.issuer ?? ctx.issuer,
    nowMs: ctx.now(),
  })
}

const seconds = (ctx: InputContext<JwtBearerData>) => Math.floor(ctx.now() / 1000)

function parseEditor(text: string | undefined): EditorValue | string {
  if (text === undefined || text.trim() === '') return 'The editor is empty.'
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return `The editor does not hold valid JSON: ${error instanceof Error ? error.message : String(error)}`
  }
  const editor = value as Partial<EditorValue> | null
  if (typeof editor !== 'object' || editor === null || Array.isArray(editor)) {
    return 'The editor must hold a JSON object with "sign_with" and "claims".'
  }
  if (typeof editor.claims !== 'object' || editor.claims === null || Array.isArray(editor.claims)) {
    return '"claims" must be a JSON object.'
  }
  const signWith = editor.sign_with ?? 'registered-key'
  if (signWith !== 'registered-key' && signWith !== 'unregistered-key') {
    return '"sign_with" must be "registered-key" or "unregistered-key".'
  }
  return { sign_with: signWith, claims: editor.claims }
}

export const jwtBearerFlow = defineFlow<JwtBearerData>({
  id: jwtBearerFlowId,
  title: 'JWT bearer grant (RFC 7523)',
  summary:
    'The client signs a JWT, the assertion, that names a user, and trades it at the token endpoint for an access token for that user: no browser, no login page. Edit the assertion and watch the server check each claim.',
  whenToUse:
    'A back-end that already holds a trust relationship with the authorization server (a registered key, or an identity provider the server trusts) and must act for a user without an interactive login, e.g. a service account acting for a user in its domain.',
  specs: [rfc(7523, '2.1'), rfc(7523, '3'), rfc(7521, '4.1')],
  actors: [commonActors.client, commonActors.as, commonActors.rs],
  steps: [
    discoverGrantStep<JwtBearerData>({
      grantType: jwtBearerGrantType,
      from: 'client',
      explanation:
        'The client reads the server’s metadata (RFC 8414) to find the token endpoint and to check that the server supports the JWT bearer grant: grant_types_supported must list urn:ietf:params:oauth:grant-type:jwt-bearer.',
    }),
    {
      id: 'make-key',
      label: 'make an ES256 key pair',
      title: 'Make a key pair in the browser',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(7517, '4'),
      moreSpecs: [rfc(7638, '3')],
      explanation:
        'An assertion is only worth what its signature is worth. The client makes an ES256 (P-256) key pair with WebCrypto: the private key signs assertions and never leaves the client; the public key, as a JWK, goes to the server in the next step. The key id (kid) is the key’s RFC 7638 thumbprint. Here the private key is kept in the page’s session storage so the walkthrough survives a reload; a real client keeps it in a key store or an HSM.',
      async run(ctx) {
        const key = await makeAssertionKey()
        return {
          status: 'ok',
          summary: `A fresh ES256 key pair; its kid is ${key.kid}.`,
          exchanges: ctx.exchanges(),
          values: [
            {
              label: 'Public key (JWK)',
              value: JSON.stringify(key.publicJwk),
              format: 'json',
              note: 'Safe to share: it can only verify signatures.',
            },
          ],
          save: { privateJwk: key.privateJwk, publicJwk: key.publicJwk, kid: key.kid },
        }
      },
    },
    {
      id: 'register',
      label: 'POST /register (jwks)',
      title: 'Register the client with its public key',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7591, '3.1'),
      moreSpecs: [rfc(7591, '2'), rfc(7591, '3'), rfc(7523, '3')],
      explanation:
        'The server must know which keys to trust for which issuer. Here the client registers itself (RFC 7591) with its public key in "jwks" and the jwt-bearer grant. A registered key is not enough, though: an assertion can speak for any user, so this server accepts assertions only from clients an administrator trusts (RFC 7523 §3 leaves that decision to the server). A client that registers itself gets invalid_grant at the iss check, and its scope never goes beyond what it registered. Demo shortcut: the page sends the demo administrator’s initial access token (RFC 7591 §3) with this registration, which makes the new client a trusted issuer. A real server gives such a token to its administrators only, never to a web page.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const { clientId, registered } = await registerAssertionIssuer(ctx, as, {
          name: clientName,
          publicJwk: need(ctx.data.publicJwk, 'The public key'),
          scope,
        })
        return {
          status: 'ok',
          summary: `The server registered the client ${clientId} with the public key.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'client_id (the assertion’s iss)', value: clientId },
            {
              label: 'token_endpoint_auth_method',
              value: String(registered.token_endpoint_auth_method),
              note: 'none: RFC 7523 makes client authentication optional for this grant; the assertion is the proof.',
            },
            {
              label: 'Authorization (initial access token)',
              value: 'Bearer (the demo administrator’s token)',
              note: 'Demo shortcut: this is what makes the server trust the new key. Without it, the registration still succeeds, but the token request fails the iss check.',
            },
            { label: 'scope registered', value: String(registered.scope) },
          ],
          save: { clientId },
        }
      },
    },
    {
      id: 'first-token',
      label: 'POST /token (jwt-bearer)',
      title: 'Sign an assertion for alice and get a token',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7523, '2.1'),
      moreSpecs: [rfc(7523, '3'), rfc(7521, '4.1'), rfc7523bis],
      explanation:
        'The client signs a JWT with iss = its client_id, sub = alice, aud = this server\'s issuer identifier (as the only value, which the RFC 7523 update requires), a short validity (iat, nbf, exp) and a unique jti (this server requires one to refuse replays; RFC 7523 makes it optional), and posts it as "assertion" with grant_type urn:ietf:params:oauth:grant-type:jwt-bearer (oauth4webapi’s genericTokenEndpointRequest; jose signs, since oauth4webapi does not make assertions). Do not confuse this with JWT client authentication (RFC 7523 §2.2): there a JWT in "client_assertion" proves which client is calling, with sub = the client_id. Here the JWT in "assertion" is the grant itself: it says which user the token is for.',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const clientId = need(ctx.data.clientId, 'The client_id')
        const claims = freshClaims({
          clientId,
          sub: 'alice',
          audience: as.issuer,
          nowMs: ctx.now(),
        })
        const assertion = await signAssertion(claims, {
          privateJwk: need(ctx.data.privateJwk, 'The private key'),
          kid: need(ctx.data.kid, 'The kid'),
        })
        const tokens = await requestWithAssertion(ctx, as, clientId, assertion, scope)
        return {
          status: 'ok',
          summary: `The server accepted the assertion and issued an access token for alice (scope ${tokens.scope ?? scope}), and no refresh token.`,
          exchanges: ctx.exchanges(),
          tokens: [
            {
              label: 'Assertion (signed by this page)',
              value: assertion,
              signature: 'not-checked',
              subject: 'user',
              signatureNote:
                'Signed here with the private key; the server verified it with the registered public key.',
            },
            {
              label: 'Access token',
              value: tokens.access_token,
              signature: 'not-checked',
              subject: 'user',
              signatureNote: 'Opaque to the client; the resource server validates it.',
            },
          ],
          notes: [
            'No refresh token, as RFC 7521 §4.1 expects for assertion grants. When the access token expires, the client asks again: with the same assertion while it is valid, RFC 7521 says, or a new one. This server refuses a jti it has seen (its policy), so here the client signs a new one.',
          ],
          save: { usedJti: claims.jti, accessToken: tokens.access_token },
        }
      },
    },
    {
      id: 'editor',
      label: 'POST /token (your assertion)',
      title: 'Edit the assertion and see each check',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7523, '3'),
      moreSpecs: [rfc(7521, '4.1.1'), rfc(7519, '4.1')],
      explanation:
        'Now you write the claims. Pick a preset or edit the JSON, then run the step: the page signs the claims (with the registered key, or with a key the server has never seen) and sends the assertion. The server checks the assertion in a fixed order and stops at the first failure, answering invalid_grant with an error_description naming the check; the list shows which checks passed. Try a few broken ones, then send a valid one to get a token and move on.',
      input: {
        kind: 'json',
        label: 'Assertion to sign and send',
        hint: '"claims" become the JWT payload as written (times are seconds since 1970). "sign_with": "registered-key" or "unregistered-key".',
        initial: (ctx) => editorText(baseClaims(ctx)),
        presets: [
          {
            label: 'Valid',
            description: 'Fresh times, a new jti, everything right.',
            value: (ctx) => editorText(baseClaims(ctx)),
          },
          {
            label: 'Expired',
            description: 'exp two minutes ago.',
            value: (ctx) =>
              editorText({
                ...baseClaims(ctx),
                iat: seconds(ctx) - 420,
                nbf: seconds(ctx) - 420,
                exp: seconds(ctx) - 120,
              }),
          },
          {
            label: 'Wrong audience',
            description: 'aud is the API, not the authorization server.',
            value: (ctx) => editorText({ ...baseClaims(ctx), aud: `${ctx.appOrigin}/api` }),
          },
          {
            label: 'Token endpoint as aud',
            description:
              'aud is the token endpoint URL: RFC 7523 allowed it, the RFC 7523 update forbids it. See what this server does.',
            value: (ctx) =>
              editorText({
                ...baseClaims(ctx),
                aud: String(ctx.data.as?.token_endpoint ?? `${ctx.issuer}/token`),
              }),
          },
          {
            label: 'Not yet valid',
            description: 'nbf ten minutes from now.',
            value: (ctx) => editorText({ ...baseClaims(ctx), nbf: seconds(ctx) + 600 }),
          },
          {
            label: 'Issued long ago',
            description: 'iat two hours ago (exp still in the future).',
            value: (ctx) => editorText({ ...baseClaims(ctx), iat: seconds(ctx) - 7200 }),
          },
          {
            label: 'Unknown subject',
            description: 'sub is a user the server does not know.',
            value: (ctx) => editorText({ ...baseClaims(ctx), sub: 'mallory' }),
          },
          {
            label: 'Unknown issuer',
            description: 'iss is not a registered client.',
            value: (ctx) => editorText({ ...baseClaims(ctx), iss: 'client-nobody' }),
          },
          {
            label: 'Replayed jti',
            description: 'The jti of the assertion the server already accepted.',
            value: (ctx) =>
              editorText({
                ...baseClaims(ctx),
                jti: ctx.data.usedJti ?? 'run-the-first-token-step',
              }),
          },
          {
            label: 'Bad signature',
            description: 'Signed with a key the server has never seen (same kid).',
            value: (ctx) => editorText(baseClaims(ctx), 'unregistered-key'),
          },
        ],
      },
      async run(ctx): Promise<StepResult<JwtBearerData>> {
        const as = need(ctx.data.as, 'The server metadata')
        const clientId = need(ctx.data.clientId, 'The client_id')
        const kid = need(ctx.data.kid, 'The kid')
        const editor = parseEditor(ctx.input)
        if (typeof editor === 'string') {
          return { status: 'error', message: editor, exchanges: ctx.exchanges() }
        }
        const assertion =
          editor.sign_with === 'registered-key'
            ? await signAssertion(editor.claims, {
                privateJwk: need(ctx.data.privateJwk, 'The private key'),
                kid,
              })
            : await signWithThrowawayKey(editor.claims, kid)
        const shownAssertion = {
          label: 'Assertion you sent',
          value: assertion,
          signature: 'not-checked' as const,
          // Whatever the learner wrote, sub is meant to name the user the token is for.
          subject: 'user' as const,
          signatureNote:
            editor.sign_with === 'registered-key'
              ? 'Signed with the registered private key.'
              : 'Signed with a throwaway key the server has never seen.',
        }
        try {
          const tokens = await requestWithAssertion(ctx, as, clientId, assertion, scope)
          return {
            status: 'ok',
            summary: 'Every check passed: the server issued an access token.',
            exchanges: ctx.exchanges(),
            values: checklist(undefined),
            tokens: [
              shownAssertion,
              {
                label: 'Access token',
                value: tokens.access_token,
                signature: 'not-checked',
                subject: 'user',
                signatureNote: 'Opaque to the client; the resource server validates it.',
              },
            ],
            save: { accessToken: tokens.access_token },
          }
        } catch (error) {
          if (!(error instanceof oauth.ResponseBodyError)) throw error
          const failed = failedCheck(error)
          return {
            status: 'error',
            message: `The server refused the assertion with ${error.error}${failed ? `: the ${failed} check failed` : ''}.`,
            code: error.error,
            detail: error.error_description,
            values: checklist(failed, error.error_description),
            exchanges: ctx.exchanges(),
          }
        }
      },
    },
    {
      id: 'call-api',
      label: 'GET /api/profile (Bearer)',
      title: 'Call the API as alice',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation:
        'The access token works like any other: the client sends it as a Bearer token and the API answers for the user named in the assertion’s sub. The API cannot tell, and need not care, which grant produced the token.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/profile',
          summary: 'The API accepted the token and answered for alice.',
        })
      },
    },
  ],
})
