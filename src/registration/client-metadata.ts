/**
 * The client registration metadata this page builds: RFC 7591 §2 plus the OpenID Connect
 * Dynamic Client Registration 1.0 §2 fields, DPoP (RFC 9449 §5.2), PAR (RFC 9126 §6), RP-Initiated
 * Logout (§3.1) and CIBA (CIBA Core §4).
 * Wire names stay snake_case exactly as the specifications spell them.
 *
 * Parsing turns unknown input (an import, a `?draft=` link, a share link, localStorage) into
 * this model. Its rules (docs/decisions/040):
 * - wrong types, forbidden keys (`__proto__`, `constructor`, `prototype`), markup in
 *   `client_name`, text over the size limit and text that is not JSON are **errors**: the
 *   whole input is refused and nothing on the page changes;
 * - unknown fields are **warnings**: RFC 7591 §2 tells a server to ignore metadata it does not
 *   understand, so the input is accepted without them, and each one is named (with the field
 *   it probably meant, when there is one).
 *
 * @see [RFC 7591 §2](https://www.rfc-editor.org/rfc/rfc7591#section-2)
 */

export type Jwk = { kty: string; kid?: string; alg?: string; use?: string } & Record<
  string,
  unknown
>
export type JwkSet = { keys: Jwk[] }

export type ClientMetadata = {
  client_name?: string
  application_type?: 'web' | 'native'
  redirect_uris?: string[]
  post_logout_redirect_uris?: string[]
  grant_types?: string[]
  response_types?: string[]
  token_endpoint_auth_method?: string
  token_endpoint_auth_signing_alg?: string
  scope?: string
  contacts?: string[]
  logo_uri?: string
  client_uri?: string
  policy_uri?: string
  tos_uri?: string
  jwks?: JwkSet
  jwks_uri?: string
  id_token_signed_response_alg?: string
  dpop_bound_access_tokens?: boolean
  require_pushed_authorization_requests?: boolean
  /** poll, ping or push (CIBA Core §4). */
  backchannel_token_delivery_mode?: string
  /** Where the server notifies the client in ping and push modes (CIBA Core §4). */
  backchannel_client_notification_endpoint?: string
  software_id?: string
  software_version?: string
  /** Issued by a server (RFC 7591 §3.2.1); kept when imported, never persisted or shared. */
  client_id?: string
  /** Issued by a server (RFC 7591 §3.2.1); kept when imported, never persisted or shared. */
  client_secret?: string
}

export type FieldName = keyof ClientMetadata

type FieldKind = 'string' | 'string[]' | 'boolean' | 'jwks' | 'application_type'

/** Every field the model knows, with its JSON type and the label the form shows. */
export const fieldSpecs: Record<FieldName, { kind: FieldKind; label: string }> = {
  client_name: { kind: 'string', label: 'Client name' },
  application_type: { kind: 'application_type', label: 'Application type' },
  redirect_uris: { kind: 'string[]', label: 'Redirect URIs' },
  post_logout_redirect_uris: { kind: 'string[]', label: 'Post-logout redirect URIs' },
  grant_types: { kind: 'string[]', label: 'Grant types' },
  response_types: { kind: 'string[]', label: 'Response types' },
  token_endpoint_auth_method: { kind: 'string', label: 'Token endpoint authentication' },
  token_endpoint_auth_signing_alg: { kind: 'string', label: 'Client assertion signing algorithm' },
  scope: { kind: 'string', label: 'Scope' },
  contacts: { kind: 'string[]', label: 'Contacts' },
  logo_uri: { kind: 'string', label: 'Logo URI' },
  client_uri: { kind: 'string', label: 'Client home page URI' },
  policy_uri: { kind: 'string', label: 'Privacy policy URI' },
  tos_uri: { kind: 'string', label: 'Terms of service URI' },
  jwks: { kind: 'jwks', label: 'JSON Web Key Set (jwks)' },
  jwks_uri: { kind: 'string', label: 'JWK Set URI (jwks_uri)' },
  id_token_signed_response_alg: { kind: 'string', label: 'ID token signing algorithm' },
  dpop_bound_access_tokens: { kind: 'boolean', label: 'DPoP-bound access tokens' },
  require_pushed_authorization_requests: {
    kind: 'boolean',
    label: 'Require pushed authorization requests (PAR)',
  },
  backchannel_token_delivery_mode: { kind: 'string', label: 'CIBA token delivery mode' },
  backchannel_client_notification_endpoint: {
    kind: 'string',
    label: 'CIBA client notification endpoint',
  },
  software_id: { kind: 'string', label: 'Software ID' },
  software_version: { kind: 'string', label: 'Software version' },
  client_id: { kind: 'string', label: 'Client ID' },
  client_secret: { kind: 'string', label: 'Client secret' },
}

export const fieldNames = Object.keys(fieldSpecs) as FieldName[]

/** Fields a registration response carries that are not metadata: accepted and set aside. */
const responseOnlyFields = new Set([
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
])

export const maxImportBytes = 1024 * 1024

export type ImportIssue = {
  severity: 'error' | 'warning'
  /** The field (or JSON path) the message is about; `''` for the document as a whole. */
  field: string
  message: string
}

export type ParseResult =
  | { ok: true; metadata: ClientMetadata; warnings: ImportIssue[] }
  | { ok: false; errors: ImportIssue[]; warnings: ImportIssue[] }

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype'])

/** A tag-like run (`<b>`, `</script`, `<img …`) or a character reference: HTML does not belong in a display name. */
const markupPattern = /<\/?[a-z!?][^>]*>?|&(?:#\d+|#x[0-9a-f]+|[a-z]+);/i

export function containsMarkup(text: string): boolean {
  return markupPattern.test(text)
}

export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${bytes} bytes`
}

/** Size and JSON syntax, before any field is looked at. */
export function parseJsonText(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: ImportIssue } {
  const bytes = new TextEncoder().encode(text).byteLength
  if (bytes > maxImportBytes) {
    return {
      ok: false,
      error: {
        severity: 'error',
        field: '',
        message: `The input is ${describeBytes(bytes)}; client metadata is a few kilobytes, so imports stop at ${describeBytes(maxImportBytes)}.`,
      },
    }
  }
  if (text.trim() === '') {
    return { ok: false, error: { severity: 'error', field: '', message: 'The input is empty.' } }
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      error: {
        severity: 'error',
        field: '',
        message: `This is not JSON, so it cannot be client metadata (${detail}).`,
      },
    }
  }
}

/** Every forbidden key anywhere in a parsed value, as JSON paths. */
export function findForbiddenKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findForbiddenKeys(item, `${path}[${index}]`))
  }
  if (value === null || typeof value !== 'object') return []
  const found: string[] = []
  for (const key of Object.keys(value)) {
    const childPath = path === '' ? key : `${path}.${key}`
    if (forbiddenKeys.has(key)) found.push(childPath)
    else found.push(...findForbiddenKeys((value as Record<string, unknown>)[key], childPath))
  }
  return found
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

/** The field a misspelt key most likely meant: singular/plural, case, dashes, known aliases. */
export function suggestField(key: string): FieldName | undefined {
  const normal = key
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replaceAll('-', '_')
    .toLowerCase()
  const aliases: Record<string, FieldName> = {
    redirect_uri: 'redirect_uris',
    redirect_url: 'redirect_uris',
    redirect_urls: 'redirect_uris',
    grant_type: 'grant_types',
    response_type: 'response_types',
    contact: 'contacts',
    scopes: 'scope',
    name: 'client_name',
    auth_method: 'token_endpoint_auth_method',
    jwks_url: 'jwks_uri',
    logo_url: 'logo_uri',
    post_logout_redirect_uri: 'post_logout_redirect_uris',
  }
  if (Object.hasOwn(fieldSpecs, normal)) return normal as FieldName
  return Object.hasOwn(aliases, normal) ? aliases[normal] : undefined
}

function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      // Forbidden keys were refused before; defineProperty keeps even a stray one an own key.
      Object.defineProperty(out, key, {
        value: copyPlain(child),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    return out
  }
  return value
}

function parseJwks(value: unknown, errors: ImportIssue[]): JwkSet | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.push({
      severity: 'error',
      field: 'jwks',
      message: `jwks must be a JSON object with a "keys" array, not ${typeName(value)}.`,
    })
    return undefined
  }
  const keys = (value as Record<string, unknown>).keys
  if (!Array.isArray(keys)) {
    errors.push({
      severity: 'error',
      field: 'jwks.keys',
      message: `jwks.keys must be an array of JSON Web Keys, not ${typeName(keys)}.`,
    })
    return undefined
  }
  const parsed: Jwk[] = []
  keys.forEach((key, index) => {
    if (key === null || typeof key !== 'object' || Array.isArray(key)) {
      errors.push({
        severity: 'error',
        field: `jwks.keys[${index}]`,
        message: `Each key must be a JSON object, not ${typeName(key)}.`,
      })
      return
    }
    const record = key as Record<string, unknown>
    if (typeof record.kty !== 'string') {
      errors.push({
        severity: 'error',
        field: `jwks.keys[${index}].kty`,
        message: 'Each JSON Web Key needs a "kty" string (RFC 7517 §4.1).',
      })
      return
    }
    for (const member of ['kid', 'alg', 'use'] as const) {
      if (member in record && typeof record[member] !== 'string') {
        errors.push({
          severity: 'error',
          field: `jwks.keys[${index}].${member}`,
          message: `"${member}" must be a string, not ${typeName(record[member])}.`,
        })
      }
    }
    parsed.push(copyPlain(record) as Jwk)
  })
  return { keys: parsed }
}

/**
 * Reads an already-parsed JSON value as RFC 7591 client metadata. Never throws; never lets a
 * forbidden key reach an object it builds.
 */
export function parseClientMetadata(value: unknown): ParseResult {
  const errors: ImportIssue[] = []
  const warnings: ImportIssue[] = []
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      errors: [
        {
          severity: 'error',
          field: '',
          message: `Client metadata is a JSON object ({ … }), not ${typeName(value)}.`,
        },
      ],
      warnings,
    }
  }
  // Forbidden keys are reported with everything else that is wrong, and never read.
  for (const path of findForbiddenKeys(value)) {
    errors.push({
      severity: 'error',
      field: path,
      message: `The key "${path.split('.').at(-1)}" is refused: it could tamper with the app's objects (prototype pollution), and no client metadata uses it.`,
    })
  }
  const input = value as Record<string, unknown>
  const metadata: ClientMetadata = {}
  const out = metadata as Record<string, unknown>
  for (const key of Object.keys(input)) {
    if (forbiddenKeys.has(key)) continue
    const raw = input[key]
    if (!Object.hasOwn(fieldSpecs, key)) {
      if (responseOnlyFields.has(key)) continue
      const guess = suggestField(key)
      warnings.push({
        severity: 'warning',
        field: key,
        message: guess
          ? `Unknown field "${key}" was left out: did you mean "${guess}"?`
          : `Unknown field "${key}" was left out: it is not RFC 7591 or OpenID Connect registration metadata this page handles.`,
      })
      continue
    }
    const field = key as FieldName
    const { kind } = fieldSpecs[field]
    if (raw === null || raw === undefined) continue
    switch (kind) {
      case 'string':
        if (typeof raw !== 'string') {
          errors.push({
            severity: 'error',
            field,
            message: `${field} must be a string, not ${typeName(raw)}.`,
          })
        } else out[field] = raw
        break
      case 'application_type':
        if (raw !== 'web' && raw !== 'native') {
          errors.push({
            severity: 'error',
            field,
            message: `application_type must be "web" or "native" (OpenID Connect Registration §2), not ${JSON.stringify(raw)}.`,
          })
        } else out[field] = raw
        break
      case 'boolean':
        if (typeof raw !== 'boolean') {
          errors.push({
            severity: 'error',
            field,
            message: `${field} must be true or false, not ${typeName(raw)}.`,
          })
        } else out[field] = raw
        break
      case 'string[]': {
        if (!Array.isArray(raw)) {
          errors.push({
            severity: 'error',
            field,
            message: `${field} must be an array of strings, not ${typeName(raw)}${typeof raw === 'string' ? ` — write ["${raw}"]` : ''}.`,
          })
          break
        }
        const bad = raw.findIndex((item) => typeof item !== 'string')
        if (bad !== -1) {
          errors.push({
            severity: 'error',
            field: `${field}[${bad}]`,
            message: `${field}[${bad}] must be a string, not ${typeName(raw[bad])}.`,
          })
        } else out[field] = [...(raw as string[])]
        break
      }
      case 'jwks': {
        if (findForbiddenKeys(raw).length > 0) break
        const jwks = parseJwks(raw, errors)
        if (jwks) out[field] = jwks
        break
      }
    }
  }
  if (typeof metadata.client_name === 'string' && containsMarkup(metadata.client_name)) {
    errors.push({
      severity: 'error',
      field: 'client_name',
      message:
        'client_name contains markup (an HTML tag or entity). Consent screens show this name to users; use plain text.',
    })
  }
  if (errors.length > 0) return { ok: false, errors, warnings }
  return { ok: true, metadata, warnings }
}

/** Text in, metadata out: size limit, JSON syntax, then the fields. */
export function parseClientMetadataText(text: string): ParseResult {
  const json = parseJsonText(text)
  if (!json.ok) return { ok: false, errors: [json.error], warnings: [] }
  return parseClientMetadata(json.value)
}

/** Fields in the order RFC 7591 and the form present them; empty values left out. */
export function normalizeMetadata(metadata: ClientMetadata): ClientMetadata {
  const out: Record<string, unknown> = {}
  for (const field of fieldNames) {
    const value = metadata[field]
    if (value === undefined || value === '') continue
    out[field] = value
  }
  return out as ClientMetadata
}

/** Secrets never leave the page except in an explicit export: no secret, no private key parts. */
export const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const

export function stripSecrets(metadata: ClientMetadata): {
  metadata: ClientMetadata
  stripped: string[]
} {
  const stripped: string[] = []
  const { client_secret, ...rest } = metadata
  if (client_secret !== undefined) stripped.push('client_secret')
  if (rest.jwks) {
    const keys = rest.jwks.keys.map((key, index) => {
      const copy: Jwk = { ...key }
      for (const member of privateJwkMembers) {
        if (member in copy) {
          delete copy[member]
          stripped.push(`jwks.keys[${index}].${member}`)
        }
      }
      return copy
    })
    rest.jwks = { keys }
  }
  return { metadata: rest, stripped }
}
