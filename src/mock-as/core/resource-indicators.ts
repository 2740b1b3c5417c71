import type { ServerContext } from './context'
import { OAuthError } from './errors'
import { listNames, mediaType, parseParameters, readBodyText, rejectRepeated } from './http'
import { resourceIdentifiers } from './protected-resources'
import type { CoreRequest } from './request-response'

/**
 * RFC 8707 resource indicators: the `resource` parameter of the authorization, PAR and token
 * requests names the protected resource(s) a token is for, and the token's `aud` is exactly that
 * (docs/decisions/121). The rules, in one place:
 * - A value must be an absolute URI without a fragment (RFC 8707 §2) and one of this server's
 *   resource identifiers (`protected-resources.ts`); otherwise `invalid_target`. Scheme and host
 *   may differ in case only (the MCP authorization specification, "Canonical Server URI").
 * - The parameter may be repeated (RFC 8707 §2); at most {@link maxResourceValues}, duplicates
 *   count once.
 * - What the authorization request named is what the grant covers. A token request may ask for
 *   some of it, never more (§2.2); without `resource` it gets all of it. A refresh narrows the
 *   same way and cannot widen.
 * - With no `resource` anywhere, the token is for the demo API, as before this was added: the
 *   walkthroughs rely on that default.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export const maxResourceValues = 10

/** Characters of one `resource` value. */
const maxResourceLength = 2000

/** The non-empty `resource` values of a query or form, in order (RFC 6749 §3.1: empty = absent). */
export function resourceValuesOf(search: URLSearchParams): string[] {
  return search.getAll('resource').filter((value) => value !== '')
}

/**
 * Checks `resource` values and returns them as this server's identifiers, each once.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function parseResourceValues(ctx: ServerContext, values: readonly string[]): string[] {
  if (values.length > maxResourceValues) {
    throw new OAuthError(
      'invalid_target',
      `At most ${maxResourceValues} resource values are accepted in one request.`,
    )
  }
  const known = resourceIdentifiers(ctx)
  const resources: string[] = []
  for (const value of values) {
    if (value.length > maxResourceLength) {
      throw new OAuthError(
        'invalid_target',
        `A resource value may be at most ${maxResourceLength} characters long.`,
      )
    }
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    if (!url || value.includes('#') || !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
      throw new OAuthError(
        'invalid_target',
        `resource ${value} must be an absolute URI without a fragment (RFC 8707 section 2).`,
      )
    }
    // Exact match, except that scheme and host may be written in another case: the URL parser
    // lowercases those and nothing else of these identifiers, and only then does the lowercased
    // value still equal the identifier.
    const identifier = known.find(
      (candidate) =>
        candidate === value ||
        (url.href === candidate && value.toLowerCase() === candidate.toLowerCase()),
    )
    if (identifier === undefined) {
      throw new OAuthError(
        'invalid_target',
        `This server issues no tokens for ${value}; its resources are ${listNames(known)}.`,
      )
    }
    if (!resources.includes(identifier)) resources.push(identifier)
  }
  return resources
}

/**
 * What a grant covers: the resources its authorization request named, or the demo API when it
 * named none.
 */
export function grantedResources(
  ctx: ServerContext,
  named: readonly string[] | undefined,
): string[] {
  return named !== undefined && named.length > 0 ? [...named] : [ctx.resourceAudience]
}

/**
 * The `aud` of a token for `requested` (already parsed) out of what the grant covers: the
 * requested subset, or everything granted. `undefined` when neither side named a resource, so the
 * token keeps the default audience exactly as before. Asking for more is `invalid_target`.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export function audienceFor(
  ctx: ServerContext,
  named: readonly string[] | undefined,
  requested: readonly string[],
): string | string[] | undefined {
  const granted = grantedResources(ctx, named)
  if (requested.length === 0) {
    if (named === undefined || named.length === 0) return undefined
    return audienceValue(granted)
  }
  const beyond = requested.filter((resource) => !granted.includes(resource))
  if (beyond.length > 0) {
    throw new OAuthError(
      'invalid_target',
      `The grant does not cover ${beyond.join(' ')}; it was authorized for ${granted.join(' ')}.`,
    )
  }
  return audienceValue(requested)
}

/** One audience as a string, several as an array (RFC 7519 §4.1.3). */
export function audienceValue(resources: readonly string[]): string | string[] {
  return resources.length === 1 ? (resources[0] as string) : [...resources]
}

/**
 * Reads a form body as `readForm` does (form-encoded only, no repeated parameter), except that
 * `resource` may be repeated; its values come back on their own.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export async function readFormWithResources(
  request: CoreRequest,
): Promise<{ params: Map<string, string>; resources: string[] }> {
  if (mediaType(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      'The body must be sent as application/x-www-form-urlencoded.',
    )
  }
  const search = new URLSearchParams(await readBodyText(request, 'invalid_request'))
  const parameters = parseParameters(search)
  rejectRepeated({
    values: parameters.values,
    repeated: parameters.repeated.filter((name) => name !== 'resource'),
  })
  return { params: parameters.values, resources: resourceValuesOf(search) }
}
