/**
 * Client credentials (RFC 6749 §4.4): a back-end service gets a token for itself, with no user.
 * Two ways for the client to authenticate, chosen in the first step:
 * - `client_secret_basic` with the demo client `grantlab-m2m` (RFC 6749 §2.3.1);
 * - `private_key_jwt` (RFC 7523 §2.2 and §3, OIDC Core §9): the page makes an ES256 key pair,
 *   registers a client with the public key (RFC 7591), and signs a client assertion per request.
 * @see [RFC 6749 §4.4](https://www.rfc-editor.org/rfc/rfc6749#section-4.4)
 */
import * as oauth from 'oauth4webapi'
import { oidc, rfc, rfc7523bis } from '../shared/spec-links.ts'
import { discover, need } from './code-flow-steps.ts'
import { commonActors, defineFlow, type HttpExchange, type ShownValue } from './flow-model.ts'
import { oauthOptions } from './http-capture.ts'
import { callResourceServer } from './resource-server-call.ts'

export const clientCredentialsFlowId = 'client-credentials'

export type ClientAuthVariant = 'client_secret_basic' | 'private_key_jwt'

const demoClientId = 'grantlab-m2m'
const demoClientSecret = 'grantlab-m2m-secret'
const scope = 'orders:read'

type ClientCredentialsData = {
  variant?: ClientAuthVariant
  as?: oauth.AuthorizationServer
  clientId?: string
  /**
   * The private key as a JWK, so the run survives a reload. A real service keeps its private key
   * in a key store and never lets it out; this walkthrough saves it in sessionStorage.
   */
  privateJwk?: { [key: string]: string | undefined }
  kid?: string
  accessToken?: string
}

/**
 * The form-urlencoding that comes before Basic's base64, as oauth4webapi applies it: every
 * character but letters and digits is percent-encoded (even `-` and `.`, which is allowed), and a
 * space becomes `+`. The server undoes it after base64-decoding.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function formUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[-_.!~*'()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

function basicHeader(id: string, secret: string): string {
  return `Basic ${btoa(`${formUrlEncode(id)}:${formUrlEncode(secret)}`)}`
}

function lastRequest(exchanges: HttpExchange[]) {
  const last = exchanges[exchanges.length - 1]
  if (!last) throw new Error('No request was recorded.')
  return last.request
}

function variantOf(data: Partial<ClientCredentialsData>): ClientAuthVariant {
  return need(data.variant, 'The choice of client authentication')
}

async function importPrivateKey(jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
  ])
}

async function clientAuthFor(data: Partial<ClientCredentialsData>): Promise<oauth.ClientAuth> {
  if (variantOf(data) === 'client_secret_basic') return oauth.ClientSecretBasic(demoClientSecret)
  const key = await importPrivateKey(need(data.privateJwk, 'The private key') as JsonWebKey)
  return oauth.PrivateKeyJwt({ key, kid: need(data.kid, 'The key id') })
}

export const clientCredentialsFlow = defineFlow<ClientCredentialsData>({
  id: clientCredentialsFlowId,
  title: 'Client credentials (service to service)',
  summary:
    'A back-end service proves who it is to the token endpoint — with a shared secret or with a signed assertion from its own key pair — and gets an access token for itself. No user takes part.',
  whenToUse:
    'Machine-to-machine calls: a back-end job, a daemon or a microservice calling an API on its own behalf, never on behalf of a user.',
  specs: [
    rfc(6749, '4.4'),
    rfc(6749, '2.3.1'),
    rfc(7523, '2.2'),
    oidc('Core', '9', 'ClientAuthentication'),
  ],
  actors: [
    {
      id: 'client',
      label: 'Service (client)',
      description: 'A confidential client running on a server: here, this page plays it.',
    },
    commonActors.as,
    commonActors.rs,
  ],
  steps: [
    {
      id: 'choose',
      label: 'choose client authentication',
      title: 'Choose how the service authenticates',
      from: 'client',
      to: 'client',
      kind: 'local',
      spec: rfc(6749, '2.3'),
      moreSpecs: [rfc(7523, '2.2'), oidc('Core', '9', 'ClientAuthentication')],
      explanation:
        'A client credentials request is only as good as the client’s proof of identity, because nothing else — no user, no code — backs it. Pick one of two common ways: a shared secret sent in the Basic Authorization header, or private_key_jwt, where the service keeps a private key and sends a short-lived JWT signed with it; the server holds only the public key, so there is no shared secret to leak. Run the walkthrough once with each.',
      choices: [
        {
          id: 'client_secret_basic',
          label: 'client_secret_basic (shared secret)',
          description: 'The demo client grantlab-m2m with its secret, in the Authorization header.',
        },
        {
          id: 'private_key_jwt',
          label: 'private_key_jwt (key pair)',
          description:
            'The page makes an ES256 key pair, registers a new client with the public key, and signs an assertion.',
        },
      ],
      async run(ctx) {
        const variant: ClientAuthVariant =
          ctx.choice === 'private_key_jwt' ? 'private_key_jwt' : 'client_secret_basic'
        return {
          status: 'ok',
          summary: `The service will authenticate with ${variant}.`,
          exchanges: ctx.exchanges(),
          save: { variant },
        }
      },
    },
    {
      id: 'discover',
      label: 'GET metadata',
      title: 'Discover the authorization server',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(8414, '3'),
      explanation:
        'The service reads the server metadata for the token endpoint, the registration endpoint, and which client authentication methods and signing algorithms the token endpoint accepts.',
      async run(ctx) {
        const as = await discover(ctx, 'oauth2')
        return {
          status: 'ok',
          summary: `Found the server's metadata; its issuer is ${as.issuer}.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Token endpoint', value: String(as.token_endpoint) },
            {
              label: 'token_endpoint_auth_methods_supported',
              value: (as.token_endpoint_auth_methods_supported ?? []).join(', '),
            },
            {
              label: 'token_endpoint_auth_signing_alg_values_supported',
              value: (as.token_endpoint_auth_signing_alg_values_supported ?? []).join(', '),
            },
          ],
          save: { as },
        }
      },
    },
    {
      id: 'credentials',
      label: 'credentials (POST /register for a key)',
      title: 'Get the client’s credentials ready',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(7591, '3.1'),
      moreSpecs: [rfc(6749, '2.3.1'), rfc(7517, '5')],
      explanation:
        'With client_secret_basic, the demo client grantlab-m2m was registered in advance with a secret; nothing is sent now, but the step shows how the secret will travel: client_id and secret are each form-urlencoded, joined with a colon, and base64-encoded into the Authorization header (base64 is an encoding, not encryption). With private_key_jwt, the service makes an ES256 key pair here, in the browser, and registers itself by posting its metadata to the registration endpoint: token_endpoint_auth_method private_key_jwt, grant type client_credentials, and a JWK Set with the public key only. The private key never leaves the service.',
      async run(ctx) {
        if (variantOf(ctx.data) === 'client_secret_basic') {
          const encodedId = formUrlEncode(demoClientId)
          const encodedSecret = formUrlEncode(demoClientSecret)
          return {
            status: 'ok',
            summary: `No request: ${demoClientId} already has a secret, registered ahead of time.`,
            exchanges: ctx.exchanges(),
            values: [
              { label: 'client_id', value: demoClientId },
              { label: 'client_secret', value: demoClientSecret },
              {
                label: '1. Form-urlencode each',
                value: `${encodedId} and ${encodedSecret}`,
                note: 'Hyphens become %2D: oauth4webapi encodes every character but letters and digits.',
              },
              { label: '2. Join with a colon', value: `${encodedId}:${encodedSecret}` },
              {
                label: '3. Base64, after "Basic "',
                value: basicHeader(demoClientId, demoClientSecret),
                note: 'Anyone who sees this header can decode the secret: it must only travel over TLS.',
              },
            ],
            save: { clientId: demoClientId },
          }
        }
        const as = need(ctx.data.as, 'The server metadata')
        const { privateKey, publicKey } = await oauth.generateKeyPair('ES256', {
          extractable: true,
        })
        const publicJwk = await crypto.subtle.exportKey('jwk', publicKey)
        const privateJwk = await crypto.subtle.exportKey('jwk', privateKey)
        const kid = `key-${crypto.randomUUID().slice(0, 8)}`
        const jwk = {
          kty: publicJwk.kty,
          crv: publicJwk.crv,
          x: publicJwk.x,
          y: publicJwk.y,
          kid,
          alg: 'ES256',
          use: 'sig',
        }
        const response = await oauth.dynamicClientRegistrationRequest(
          as,
          {
            client_name: 'Grantlab key-holding service',
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'ES256',
            grant_types: ['client_credentials'],
            response_types: [],
            scope: 'orders:read orders:write',
            jwks: { keys: [jwk] },
          },
          oauthOptions(ctx),
        )
        const registered = await oauth.processDynamicClientRegistrationResponse(response)
        return {
          status: 'ok',
          summary: `Registered the client ${registered.client_id} with the public key ${kid}; no secret was issued.`,
          exchanges: ctx.exchanges(),
          values: [
            { label: 'Public key registered (JWK)', value: JSON.stringify(jwk), format: 'json' },
            { label: 'client_id assigned', value: registered.client_id },
            {
              label: 'client_secret',
              value: registered.client_secret === undefined ? 'none' : 'issued (unexpected)',
              note: 'private_key_jwt needs no shared secret.',
            },
          ],
          save: {
            clientId: registered.client_id,
            kid,
            privateJwk: privateJwk as { [key: string]: string | undefined },
          },
        }
      },
    },
    {
      id: 'token',
      label: 'POST /token (client_credentials)',
      title: 'Request a token for the service itself',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '4.4.2'),
      moreSpecs: [rfc(6749, '4.4.3'), rfc(7523, '3'), rfc(7521, '4.2'), rfc7523bis],
      explanation:
        "The service posts grant_type=client_credentials and the scope it wants, and authenticates. With client_secret_basic, that is the Authorization header built in the previous step. With private_key_jwt, oauth4webapi signs a fresh JWT with the private key and sends it as client_assertion: its iss and sub are the client_id, its aud is the server's issuer identifier as the only value (what the RFC 7523 update requires), and exp and iat keep it short-lived. It also carries a unique jti, which this server remembers to refuse a second use (its policy: RFC 7523 makes jti optional). The server checks the signature with the registered public key. The answer has an access token and no refresh token: the service can simply ask again, so RFC 6749 §4.4.3 says the server should not issue one.",
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const variant = variantOf(ctx.data)
        const client: oauth.Client = { client_id: need(ctx.data.clientId, 'The client_id') }
        const response = await oauth.clientCredentialsGrantRequest(
          as,
          client,
          await clientAuthFor(ctx.data),
          { scope },
          oauthOptions(ctx),
        )
        const tokens = await oauth.processClientCredentialsResponse(as, client, response)
        const sent = lastRequest(ctx.exchanges())
        const values: ShownValue[] = []
        const shownTokens = []
        if (variant === 'client_secret_basic') {
          const header = sent.headers.authorization ?? ''
          const decoded = atob(header.replace(/^Basic /, ''))
          values.push(
            { label: 'Authorization header sent', value: header },
            {
              label: 'Base64-decoded',
              value: decoded,
              note:
                header === basicHeader(demoClientId, demoClientSecret)
                  ? 'Exactly the header built in the previous step.'
                  : 'Differs from the header built in the previous step.',
            },
          )
        } else {
          const assertion = new URLSearchParams(sent.body ?? '').get('client_assertion') ?? ''
          values.push({
            label: 'client_assertion_type',
            value: new URLSearchParams(sent.body ?? '').get('client_assertion_type') ?? '',
          })
          shownTokens.push({
            label: 'Client assertion (private_key_jwt)',
            value: assertion,
            signature: 'not-checked' as const,
            subject: 'client' as const,
            signatureNote:
              'Signed by the service with its private key. The server verified it with the registered public key (the request succeeded); this page did not check it again.',
          })
        }
        values.push(
          { label: 'token_type', value: tokens.token_type },
          { label: 'scope granted', value: tokens.scope ?? scope },
          {
            label: 'refresh_token',
            value: tokens.refresh_token === undefined ? 'none' : 'issued (unexpected)',
            note: 'RFC 6749 §4.4.3: a refresh token SHOULD NOT be included for client credentials; the service asks again when the access token expires.',
          },
        )
        shownTokens.push({
          label: 'Access token',
          value: tokens.access_token,
          signature: 'not-checked' as const,
          subject: 'client' as const,
          signatureNote:
            'Its sub is the client_id itself: there is no user. The resource server validates it.',
        })
        return {
          status: 'ok',
          summary: `The server authenticated the service with ${variant} and issued an access token, without a refresh token.`,
          exchanges: ctx.exchanges(),
          values,
          tokens: shownTokens,
          save: { accessToken: tokens.access_token },
        }
      },
    },
    {
      id: 'call-api',
      label: 'GET /api/orders (Bearer)',
      title: 'Call the API with the access token',
      from: 'client',
      to: 'rs',
      kind: 'request',
      spec: rfc(6750, '2.1'),
      explanation:
        'The service sends its token in the Authorization header. The resource server checks the token and that its scope includes orders:read. The token’s subject is the service itself, not a user, so the demo API lists only the orders this service placed (an empty list until it places one): a service’s own token never shows a user’s orders. To read alice’s orders, a client needs a token that alice authorized, from a grant she takes part in.',
      async run(ctx) {
        return callResourceServer(ctx, need(ctx.data.accessToken, 'The access token'), {
          path: '/api/orders',
          summary: 'The API accepted the access token and answered.',
        })
      },
    },
    {
      id: 'user-scope',
      label: 'POST /token (scope=openid) → refused',
      title: 'Ask for a user scope, and be refused',
      from: 'client',
      to: 'as',
      kind: 'request',
      spec: rfc(6749, '5.2'),
      moreSpecs: [rfc(6749, '3.3'), rfc(6749, '4.4.2'), oidc('Core', '3.1.2.1', 'AuthRequest')],
      explanation:
        'Scopes such as openid, profile or offline_access are about a user, and no user takes part in this grant: there is nobody to identify in an ID token and nobody to consent. This server refuses such a request with invalid_scope; that is its policy, which RFC 6749 §3.3 allows (a server may refuse any scope), since OpenID Connect defines no ID token for this grant. A service that needs to act for a user must get the user’s authorization through another grant, or exchange a user’s token (RFC 8693).',
      async run(ctx) {
        const as = need(ctx.data.as, 'The server metadata')
        const client: oauth.Client = { client_id: need(ctx.data.clientId, 'The client_id') }
        try {
          await oauth.processClientCredentialsResponse(
            as,
            client,
            await oauth.clientCredentialsGrantRequest(
              as,
              client,
              await clientAuthFor(ctx.data),
              { scope: 'openid' },
              oauthOptions(ctx),
            ),
          )
        } catch (error) {
          if (!(error instanceof oauth.ResponseBodyError)) throw error
          return {
            status: 'ok',
            summary: `Refused as expected: the server answered ${error.status} ${error.error}.`,
            exchanges: ctx.exchanges(),
            values: [
              {
                label: 'Server error',
                value: `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`,
              },
            ],
          }
        }
        return {
          status: 'error',
          message:
            'The server issued a token for the openid scope without a user. A server should refuse it with invalid_scope.',
          exchanges: ctx.exchanges(),
        }
      },
    },
  ],
})
