/**
 * Explanations of OAuth and OpenID Connect that are commonly wrong, as data: each with the
 * reason it is wrong, where the right answer is written, a pattern that finds it in prose, and
 * sentences the pattern must catch (`wrong`) and must leave alone (`right`). The crawl test holds
 * every page's visible text against them (e2e/known-wrong-claims.spec.ts), the unit tests hold
 * the walkthrough, advisor and registration texts against them, and both check the examples.
 *
 * Sources: the expert review (`review-2026-12.md`: misleading, citations, advice) and the spec
 * sheet's list of common wrong explanations (`oauth-spec-sheet.md` §5, items S1–S16).
 */
import { oidc, rfc, type SpecRef } from './spec-links.ts'

export interface KnownWrongClaim {
  id: string
  /** The wrong claim, said plainly. */
  claim: string
  /** Why it is wrong, and what is right. */
  why: string
  source: SpecRef
  pattern: RegExp
  /** Sentences that make the wrong claim: the pattern must match every one. */
  wrong: readonly string[]
  /** Right sentences on the same subject: the pattern must match none. */
  right: readonly string[]
}

/** Any character of the same sentence, except one that starts a negation ("not", "never"…). */
const same = String.raw`(?:(?!\b(?:not|never|no|nor|cannot)\b|n['’]t\b)[^.!?])`

const re = (source: string, flags = 'i') => new RegExp(source, flags)

export const knownWrongClaims: readonly KnownWrongClaim[] = [
  // ——— The spec sheet's common wrong explanations (§5) ———
  {
    id: 'S1-device-grant-oauth21',
    claim: 'The device grant was introduced in OAuth 2.1.',
    why: 'It is RFC 8628 (2019), an OAuth 2.0 extension; the OAuth 2.1 draft only lists it among established extensions.',
    source: rfc(8628),
    pattern: re(
      String.raw`device (?:authorization )?(?:grant|flow)${same}{0,40}\b(?:introduced|added|defined|new) (?:in|by) OAuth 2\.1|OAuth 2\.1${same}{0,20}\b(?:introduced|introduces|added|adds)${same}{0,30}\bdevice`,
    ),
    wrong: [
      'The device grant was introduced in OAuth 2.1.',
      'OAuth 2.1 introduced the device authorization grant for TVs.',
    ],
    right: [
      'The device authorization grant is RFC 8628, an OAuth 2.0 extension.',
      'The OAuth 2.1 draft lists RFC 8628 among the well-established extensions.',
    ],
  },
  {
    id: 'S2-server-creates-challenge',
    claim: 'The authorization server creates the PKCE code_challenge.',
    why: 'The client makes the verifier and derives the challenge; the server records the challenge and recomputes it from the verifier at the token endpoint.',
    source: rfc(7636, '4.2'),
    pattern: re(
      String.raw`(?:authorization server|\bAS\b|server)${same}{0,20}\b(?:creates|generates|makes|issues|sends|returns) (?:the |a |its )?(?:PKCE )?code[_ ]challenge|code[_ ]challenge (?:is )?(?:created|generated|issued|made) by the (?:authorization )?server`,
    ),
    wrong: [
      'The authorization server generates a code_challenge for the client.',
      'The code challenge is created by the server and returned to the app.',
    ],
    right: [
      'The client makes the verifier and derives the code challenge; the server only records the challenge.',
      'The server hashes the verifier and compares it with the challenge it stored.',
    ],
  },
  {
    id: 'S3-push-or-browser-polls',
    claim: 'In the device grant the server pushes the token to the device, or the browser polls.',
    why: 'The device polls the token endpoint; the user’s browser only visits the verification page.',
    source: rfc(8628, '3.5'),
    pattern: re(
      String.raw`(?:authorization server|\bAS\b|server)${same}{0,15}\bpush(?:es)? (?:the )?(?:tokens?|access token)${same}{0,20}\bdevice|(?:the |user['’]s )browser (?:keeps )?poll(?:s|ing)\b`,
    ),
    wrong: [
      'Once the user approves, the authorization server pushes the token to the device.',
      'Meanwhile the browser polls the token endpoint until the code is approved.',
    ],
    right: [
      'The device cannot be told when the user is done: the server never pushes anything to it.',
      'The device polls the token endpoint; the phone’s browser only visits the verification page.',
    ],
  },
  {
    id: 'S4-slow-down-doubles',
    claim: 'slow_down means doubling the interval or backing off exponentially.',
    why: 'slow_down adds 5 seconds to the interval for that and every later request.',
    source: rfc(8628, '3.5'),
    pattern: re(
      String.raw`slow_down${same}{0,60}\b(?:doubl(?:e|es|ing)|exponential(?:ly)?|multipl(?:y|ies))`,
    ),
    wrong: [
      'On slow_down the device must double its interval.',
      'A slow_down answer means the client backs off exponentially.',
    ],
    right: ['On slow_down, add 5 seconds to the interval for this and every later request.'],
  },
  {
    id: 'S5-method-defaults-s256',
    claim: 'code_challenge_method defaults to S256.',
    why: 'An absent method means plain (RFC 7636 §4.3). Accepting only S256 is a server’s policy.',
    source: rfc(7636, '4.3'),
    pattern: re(
      String.raw`code[_ ]challenge[_ ]method${same}{0,30}\bdefaults? (?:to|is) ["“\`]?S256|absent (?:code_challenge_)?method means S256`,
    ),
    wrong: ['The code_challenge_method defaults to S256 when it is left out.'],
    right: [
      'An absent method means plain; accepting only S256 is this server’s policy.',
      'code_challenge_method must be S256 (an absent method means plain, which is refused).',
    ],
  },
  {
    id: 'S6-pkce-public-only',
    claim: 'PKCE is only for public or mobile clients, or PKCE always replaces state.',
    why: 'Public clients MUST and confidential clients SHOULD use PKCE; a client may rely on PKCE against CSRF only once it knows the server supports it.',
    source: rfc(9700, '2.1.1'),
    pattern: re(
      'PKCE (?:is )?(?:only|just) (?:for|needed by|meant for|matters for) (?:public|mobile|native)|only (?:public|mobile|native) (?:clients|apps) need PKCE|PKCE (?:always )?replaces (?:the )?state',
    ),
    wrong: [
      'PKCE is only for public clients; a web server does not need it.',
      'Only mobile apps need PKCE.',
      'PKCE always replaces state, so you can drop it.',
    ],
    right: [
      'Public clients must use PKCE, and confidential clients should use it too.',
      'A client may rely on PKCE for CSRF protection once it knows the server enforces PKCE.',
    ],
  },
  {
    id: 'S7-tls-vouches',
    claim:
      'The ID token signature was verified when it was not, or TLS vouches for it in this demo.',
    why: 'oauth4webapi does not verify the signature of a token-endpoint ID token unless asked (validateApplicationLevelSignature); the TLS exception needs TLS, and this demo runs on plain http.',
    source: oidc('Core', '3.1.3.7', 'IDTokenValidation'),
    pattern: re(
      String.raw`\bTLS (?:connection )?vouch(?:es|ed)?\b|\bvouch(?:es)? for (?:it|the (?:ID )?token)${same}{0,20}\bTLS|(?:processAuthorizationCodeResponse|processRefreshTokenResponse|processDeviceCodeResponse)${same}{0,60}\b(?:verified|verifies|checked|checks) (?:the |its )?(?:ID token(?:['’]s)? )?signature`,
    ),
    wrong: [
      'It came straight from the token endpoint, which OpenID Connect lets the TLS connection vouch for.',
      'processAuthorizationCodeResponse verified the ID token signature.',
    ],
    right: [
      'A client may skip this only for a token it got from the token endpoint over TLS; this demo has no TLS, so it verifies.',
      'oauth4webapi checks the claims while it processes the response; the signature it verifies only when asked.',
    ],
  },
  {
    id: 'S8-unknown-token-error',
    claim: 'Revoking or introspecting an unknown token is an error.',
    why: 'Revocation answers 200 for an invalid token (RFC 7009 §2.2); introspection answers {"active": false} (RFC 7662 §2.2).',
    source: rfc(7009, '2.2'),
    pattern: re(
      String.raw`(?:revok\w*|introspect\w*) an? (?:unknown|invalid|expired) token${same}{0,20}\b(?:is an error|returns? an error|fails|gives 4\d\d|answers 4\d\d)`,
    ),
    wrong: [
      'Revoking an unknown token returns an error.',
      'Introspecting an expired token fails with 400.',
    ],
    right: ['Revoking an unknown token answers 200; introspecting it answers {"active": false}.'],
  },
  {
    id: 'S9-removed-from-oauth2',
    claim: 'Implicit and the password grant were removed from OAuth 2.0.',
    why: 'Both are still in RFC 6749 (§4.2, §4.3); RFC 9700 says not to use them and the OAuth 2.1 draft leaves them out.',
    source: rfc(9700, '2.1.2'),
    pattern: re(
      String.raw`(?:implicit|password|ROPC|resource owner password)${same}{0,60}\b(?:removed|deleted|dropped) from OAuth 2\.0|OAuth 2\.0 (?:no longer|does not|doesn['’]t) (?:define|include|contain|allow)s? (?:the )?(?:implicit|password)`,
    ),
    wrong: [
      'The implicit grant was removed from OAuth 2.0.',
      'OAuth 2.0 no longer includes the password grant.',
    ],
    right: [
      'It is still part of RFC 6749, but the OAuth 2.1 draft leaves it out.',
      'RFC 9700 says the password grant must not be used.',
    ],
  },
  {
    id: 'S10-rotation-mandatory',
    claim: 'Refresh token rotation is mandatory.',
    why: 'RFC 9700 covers public clients only, and they may sender-constrain their refresh tokens instead of rotating them.',
    source: rfc(9700, '2.2.2'),
    pattern: re(
      '(?:refresh[- ]token )?rotation is (?:always )?(?:mandatory|compulsory|required for (?:all|every) clients)|(?:all|every) clients? must rotate (?:their |its )?refresh tokens',
    ),
    wrong: ['Refresh token rotation is mandatory.', 'Every client must rotate its refresh tokens.'],
    right: [
      'A public client’s refresh token must be either sender-constrained or rotated.',
      'Confidential clients need neither, since their refresh tokens only work with their credentials.',
    ],
  },
  {
    id: 'S11-tokens-are-jwts',
    claim: 'Access tokens are JWTs, or DPoP makes tokens JWTs.',
    why: 'The access token format is the server’s choice (opaque by default); RFC 9068 is an optional profile, and DPoP binds a token to a key whatever its format.',
    source: rfc(9068),
    pattern: re(
      String.raw`(?:^|[.!?:;]\s+|\b(?:OAuth|all|every)\s+)access tokens are (?:always )?(?:JWTs|JSON Web Tokens)\b|DPoP (?:makes|turns) (?:the )?(?:access )?tokens? (?:into )?(?:an? )?(?:JWTs?|JSON Web Tokens?)`,
    ),
    wrong: [
      'OAuth access tokens are JWTs that any API can decode.',
      'Access tokens are always JWTs.',
      'DPoP turns the access token into a JWT.',
    ],
    right: [
      'This server happens to issue JWT access tokens (RFC 9068); the format is the server’s choice.',
      'DPoP binds a token to a key whatever its format.',
    ],
  },
  {
    id: 'S12-issued-token-field',
    claim: 'Token exchange returns the token in an "issued_token" field.',
    why: 'The token comes in access_token, with issued_token_type naming what it is (RFC 8693 §2.2.1).',
    source: rfc(8693, '2.2.1'),
    pattern: re(String.raw`\bissued_token\b(?!_type)`, ''),
    wrong: ['The new token comes back in the issued_token field.'],
    right: [
      'The answer names what was issued in issued_token_type; the token comes in access_token.',
    ],
  },
  {
    id: 'S13-rfc7523-uses-confused',
    claim:
      'The JWT bearer grant sends client_assertion, or JWT client authentication has a user as sub.',
    why: 'The grant (§2.1) sends "assertion"; client authentication (§2.2) sends "client_assertion" with sub = the client_id.',
    source: rfc(7523, '2.1'),
    pattern: re(
      String.raw`(?:JWT bearer|jwt-bearer) grant${same}{0,30}\b(?:sends|posts|puts|carries)${same}{0,20}\bclient_assertion\b|client (?:authentication|assertion)${same}{0,40}\bsub${same}{0,15}\b(?:is|names) the (?:user|resource owner)`,
    ),
    wrong: [
      'The JWT bearer grant sends the signed JWT as client_assertion.',
      'In client authentication the sub of the JWT is the user.',
    ],
    right: [
      'There a JWT in "client_assertion" proves which client is calling, with sub = the client_id.',
      'Here the JWT in "assertion" is the grant itself: it says which user the token is for.',
    ],
  },
  {
    id: 'S14-hybrid-in-query',
    claim: 'The hybrid code id_token response comes in the query.',
    why: 'The default response mode of code id_token is the fragment, and c_hash is required.',
    source: oidc('Core', '3.3.2.5', 'HybridAuthResponse'),
    pattern: re(
      String.raw`(?:code id_token|hybrid)${same}{0,60}\b(?:comes?|returned|returns|arrives?|sent) (?:back )?in the query`,
    ),
    wrong: ['The hybrid response comes back in the query, like the code flow’s.'],
    right: [
      'For this response type the default is the fragment, not the query string where the code flow puts its code.',
    ],
  },
  {
    id: 'S15-loose-redirect-matching',
    claim: 'Prefix or wildcard redirect_uri matching is fine.',
    why: 'RFC 9700 requires exact string matching, except the port of a native app’s loopback redirect.',
    source: rfc(9700, '2.1'),
    pattern: re(
      '(?:prefix|wildcard|pattern|partial)(?: or (?:prefix|wildcard|pattern))? (?:redirect(?:_uri| URI)? )?match(?:ing|es)? (?:is|are) (?:fine|ok|okay|safe|allowed|acceptable)',
    ),
    wrong: ['Wildcard redirect URI matching is fine for subdomains.'],
    right: [
      'Servers compare redirect URIs by exact string match, and patterns let attackers steal codes.',
    ],
  },
  {
    id: 'S16-refresh-from-cc-or-implicit',
    claim: 'Client credentials or implicit returns a refresh token.',
    why: 'Client credentials SHOULD NOT include one (RFC 6749 §4.4.3); implicit MUST NOT (§4.2.2).',
    source: rfc(6749, '4.4.3'),
    pattern: re(
      '(?:client credentials|implicit)(?: grant)? (?:also )?(?:returns|issues|gives|comes with|includes) (?:you )?(?:a )?refresh token',
    ),
    wrong: ['The client credentials grant also returns a refresh token.'],
    right: [
      'The answer has an access token and no refresh token.',
      'The implicit grant never returns a refresh token.',
    ],
  },

  // ——— The review's findings (misleading, citations, advice) ———
  {
    id: 'R-code-id-token-needs-implicit',
    claim: 'The code id_token response type needs the implicit grant type.',
    why: 'code id_token issues the access token from the token endpoint; OpenID Connect Registration §2 ties it to authorization_code (plus implicit for the front-channel ID token) — the rule belongs to OIDC Registration, not RFC 7591 §2.1.',
    source: oidc('Registration', '2', 'ClientMetadata'),
    pattern: re(String.raw`code id_token["”]?${same}{0,80}\bneeds the ["“]?implicit["”]? grant`),
    wrong: [
      'response type "code id_token" returns a token from the authorization endpoint, which needs the "implicit" grant type.',
    ],
    right: [
      'The hybrid flow, response_type code id_token, redeems its code at the token endpoint.',
    ],
  },
  {
    id: 'R-in-memory-defence',
    claim: 'Keeping tokens in memory protects them from injected scripts.',
    why: 'A script running in the page can use whatever the page can, and can run a silent flow of its own for fresh tokens; storage only changes how easily existing tokens are copied.',
    source: rfc(10017, '5.1.3'),
    pattern: re(
      String.raw`in[- ]memory${same}{0,50}\b(?:protects?|prevents?|stops?|defends?|keeps? (?:them|tokens) safe)\b|(?:scripts?|XSS)${same}{0,80}:\s*keep (?:them|tokens) in memory`,
    ),
    wrong: [
      'Any script that runs in your page can reach tokens held in the browser: keep them in memory, keep access tokens short-lived, and use a strict Content-Security-Policy.',
      'Storing tokens in memory protects them from XSS.',
    ],
    right: [
      'Where you keep the tokens (in memory, in a worker, in storage) only changes how easily a script copies the ones you hold.',
      'In-memory storage does not stop an injected script from getting fresh tokens.',
    ],
  },
  {
    id: 'R-password-as-never-sees-user',
    claim: 'With the password grant the authorization server never sees the user.',
    why: 'The server checks the user’s credentials; what the user never sees is a page of the server (no consent, no second factor).',
    source: rfc(6749, '4.3'),
    pattern: re(
      String.raw`(?:authorization server|\bAS\b|server) never sees the (?:user|resource owner)\b|password grant (?:is|was) (?:only )?(?:meant|intended) (?:only )?for migrat`,
    ),
    wrong: [
      'The app posts the password for a token. The authorization server never sees the user.',
      'The password grant was only meant for migrating apps.',
    ],
    right: [
      'The user never sees a page of the authorization server: no consent screen, no second factor.',
    ],
  },
  {
    id: 'R-actor-token-required',
    claim:
      'Token exchange requires an actor token, or the exchanged token names nobody but the user.',
    why: 'actor_token is OPTIONAL (RFC 8693 §2.1); an exchanged JWT access token still carries the client_id it was issued to.',
    source: rfc(8693, '2.1'),
    pattern: re(
      String.raw`actor[_ ]token (?:is )?(?:required|mandatory|REQUIRED)|(?:delegation|exchange)${same}{0,40}\bmust (?:also )?(?:send|include|present|prove)${same}{0,50}\bactor[_ ]token|nobody else appears in it`,
    ),
    wrong: [
      'For delegation the service must also prove who it is, with a token of its own: the actor token.',
      'The new token speaks for alice and nobody else appears in it.',
    ],
    right: [
      'actor_token is optional in RFC 8693.',
      'A service that wants the new token to say that it acts for alice sends a token of its own as actor_token.',
    ],
  },
  {
    id: 'R-hybrid-required-by-fapi1',
    claim: 'FAPI 1.0 requires the hybrid flow.',
    why: 'FAPI 1.0 Advanced accepts code id_token or the code flow with JARM; FAPI 2.0 uses the code flow.',
    source: {
      label: 'FAPI 1.0 Advanced §5.2.2',
      href: 'https://openid.net/specs/openid-financial-api-part-2-1_0.html',
    },
    pattern: re(
      String.raw`(?:requires?|mandates?) (?:it|the hybrid(?: flow)?|code id_token) \(FAPI 1\.0\)|FAPI 1\.0 (?:requires|mandates) (?:it|the hybrid|hybrid|code id_token)`,
    ),
    wrong: ['Or an ecosystem that requires it (FAPI 1.0).', 'FAPI 1.0 requires the hybrid flow.'],
    right: [
      'FAPI 1.0 Advanced accepts code id_token or the code flow with JARM; FAPI 2.0 uses the plain authorization code flow.',
    ],
  },
  {
    id: 'R-server-policy-as-rfc',
    claim:
      'This server’s policy presented as the RFC’s: RFC 7523 forbids MACs or requires a jti; RFC 7636 allows only S256.',
    why: 'RFC 7523 §3 allows a MAC and makes jti optional; RFC 7636 §4.2 defines plain as well as S256.',
    source: rfc(7523, '3'),
    pattern: re(
      String.raw`RFC 7523${same}{0,40}\b(?:forbids|refuses|prohibits|disallows)${same}{0,30}\b(?:HMAC|MAC|symmetric)|RFC 7523${same}{0,30}\brequires${same}{0,20}\bjti\b|(?:RFC 7636|PKCE) (?:requires|allows only|permits only|only allows) (?:the )?S256`,
    ),
    wrong: [
      'RFC 7523 forbids HMAC-signed assertions.',
      'RFC 7523 requires a unique jti in every assertion.',
      'RFC 7636 allows only S256.',
    ],
    right: [
      'This server’s policy: an asymmetric signature only, never none or a MAC. RFC 7523 §3 also allows a MAC (HMAC).',
      'RFC 7523 makes jti optional and replay checks something a server may do.',
    ],
  },
  {
    id: 'R-bearer-header-only',
    claim: 'A bearer token travels only in the Authorization header.',
    why: 'The header is the method every resource server must support; RFC 6750 §2.2 also allows a form-encoded body (and §2.3, discouraged, the query).',
    source: rfc(6750, '2.2'),
    pattern: re(
      '(?:bearer (?:token )?|it |tokens? )(?:travels|goes|is sent|are sent|may be sent|can be sent|belongs) only in (?:a|the) (?:Authorization )?header',
    ),
    wrong: ['A bearer token works for whoever holds it, which is why it travels only in a header.'],
    right: [
      'The client sends the access token in the Authorization header, the method every resource server must support; RFC 6750 also allows a form-encoded body.',
    ],
  },
  {
    id: 'R-at-hash-required',
    claim: 'An ID token from the token endpoint must carry at_hash.',
    why: 'at_hash is optional there; this server happens to include it.',
    source: oidc('Core', '3.1.3.6', 'CodeIDToken'),
    pattern: re(
      'token[- ]endpoint (?:ID token )?(?:must|always|has to) (?:carry|carries|contain|include|have) (?:an )?at_hash|at_hash (?:is )?(?:required|mandatory|REQUIRED) (?:at|from|for) the token endpoint',
    ),
    wrong: [
      'The token-endpoint ID token must carry at_hash.',
      'at_hash is required at the token endpoint.',
    ],
    right: ['at_hash is optional at the token endpoint, and this server includes it there.'],
  },
  {
    id: 'R-interval-must',
    claim: 'The device must wait the interval between polls (a MUST).',
    why: 'RFC 8628 says the client SHOULD wait at least interval seconds (and MUST use 5 when none is given); a server may answer slow_down.',
    source: rfc(8628, '3.2'),
    pattern: re(
      '(?:device|client) must wait (?:at least )?(?:the |its )?interval|how many seconds the device must wait',
    ),
    wrong: [
      'It says how many seconds the device must wait between two polls (interval).',
      'The client must wait the interval between requests.',
    ],
    right: [
      'Optionally, how many seconds the device should wait between two polls (interval; 5 when absent).',
    ],
  },
  {
    id: 'R-browser-apps-draft',
    claim: 'The Browser-Based Apps BCP cited as a draft.',
    why: 'It was published as RFC 10017 (BCP 212) in August 2026.',
    source: rfc(10017),
    pattern: re(
      String.raw`Browser[- ]Based Ap(?:p|plication)s?(?: BCP)? \(?(?:BCP )?draft|draft-ietf-oauth-browser-based-apps`,
    ),
    wrong: [
      'OAuth 2.0 for Browser-Based Applications (BCP draft)',
      'Browser-Based Apps BCP draft, “Backend For Frontend”',
    ],
    right: ['RFC 10017 (Browser-Based Apps BCP)', 'RFC 10017 §6.1 (Backend For Frontend)'],
  },
  {
    id: 'R-user-code-reasons',
    claim: 'RFC 8628 §6.1 picks the consonant alphabet so the code is easy to read on a TV.',
    why: 'RFC 8628 §6.1 gives typing speed on phone keyboards (no case or digit switching) and avoiding accidental words; guessing is held off by rate limits (§5.1).',
    source: rfc(8628, '6.1'),
    pattern: re(
      String.raw`(?:easy|easier) to read on a (?:TV|screen)${same}{0,30}\bhard to mistype`,
    ),
    wrong: [
      'Eight letters from 20 consonants: easy to read on a TV, hard to mistype (RFC 8628 §6.1).',
    ],
    right: [
      'A phone keyboard types them without switching case or to digits, and without vowels no words form by chance.',
    ],
  },
  {
    id: 'R-assertion-must-be-new',
    claim: 'RFC 7521 makes the client sign a new assertion for every token request.',
    why: 'RFC 7521 §4.1 lets the client ask again with the same assertion while it is valid; refusing a repeated jti is a server’s choice.',
    source: rfc(7521, '4.1'),
    pattern: re(
      String.raw`(?:must|always|has to) (?:sign|mint|make|create) a new assertion${same}{0,20}\(RFC 7521|signs? a new assertion \(RFC 7521 §4\.1\)`,
    ),
    wrong: [
      'No refresh token: when the access token expires, the client signs a new assertion (RFC 7521 §4.1).',
    ],
    right: [
      'When the access token expires, the client asks again: with the same assertion while it is valid, RFC 7521 says, or a new one.',
    ],
  },
  {
    id: 'R-eddsa-offered',
    claim: 'EdDSA offered as an algorithm to use.',
    why: 'RFC 9864 deprecates the polymorphic EdDSA identifier; use Ed25519.',
    source: rfc(9864),
    pattern: re(String.raw`\b(?:[EPR]S(?:256|384|512)|Ed25519),? (?:or |and )?EdDSA\b`, ''),
    wrong: ['Use ES256, PS256, RS256 or EdDSA.', 'RS256, ES256, PS256, EdDSA'],
    right: ['Use ES256, PS256, RS256 or Ed25519 (RFC 9864 replaces the EdDSA name).'],
  },
]

export interface WrongClaimHit {
  claim: KnownWrongClaim
  /** The text the pattern matched, with a little context. */
  excerpt: string
}

/** Every known-wrong claim the text makes, each with where it was found. */
export function findKnownWrongClaims(
  text: string,
  claims: readonly KnownWrongClaim[] = knownWrongClaims,
): WrongClaimHit[] {
  const normalized = text.replace(/\s+/g, ' ')
  const hits: WrongClaimHit[] = []
  for (const claim of claims) {
    const pattern = new RegExp(claim.pattern.source, `${claim.pattern.flags.replace('g', '')}g`)
    for (const match of normalized.matchAll(pattern)) {
      const start = Math.max(0, match.index - 60)
      hits.push({
        claim,
        excerpt: normalized.slice(start, match.index + match[0].length + 60),
      })
    }
  }
  return hits
}

/** One line per hit, for a failing test's message. */
export function describeHits(hits: readonly WrongClaimHit[]): string[] {
  return hits.map((hit) => `${hit.claim.id}: “…${hit.excerpt}…” — ${hit.claim.why}`)
}
