/**
 * Reads a `WWW-Authenticate` header into its challenges (RFC 9110 §11.6.1): each an auth-scheme
 * with either a token68 or comma-separated `name=value` parameters, a value being a token or a
 * quoted string with `\` escapes. Scheme and parameter names are case-insensitive, so they come
 * back lowercased. oauth4webapi parses challenges only on the responses of requests it makes with
 * a token; the MCP walkthrough's first request has none, so the agent reads the header itself.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export interface Challenge {
  scheme: string
  parameters: Record<string, string>
  token68?: string
}

const token = String.raw`[!#$%&'*+\-.^_\x60|~0-9A-Za-z]+`
const startsChallenge = new RegExp(String.raw`^(${token})(?:\s+([\s\S]*))?$`)
const parameter = new RegExp(String.raw`^(${token})\s*=\s*([\s\S]*)$`)
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/

/** Splits at commas that are not inside a quoted string. */
function splitItems(header: string): string[] {
  const items: string[] = []
  let current = ''
  let quoted = false
  for (let index = 0; index < header.length; index += 1) {
    const char = header[index] as string
    if (quoted && char === '\\') {
      current += char + (header[index + 1] ?? '')
      index += 1
      continue
    }
    if (char === '"') quoted = !quoted
    if (char === ',' && !quoted) {
      items.push(current.trim())
      current = ''
      continue
    }
    current += char
  }
  items.push(current.trim())
  return items.filter((item) => item !== '')
}

/** A parameter value: a token as it is, a quoted string unquoted and unescaped. */
function parameterValue(raw: string): string | undefined {
  const text = raw.trim()
  if (!text.startsWith('"')) return new RegExp(`^${token}$`).test(text) ? text : undefined
  if (text.length < 2 || !text.endsWith('"')) return undefined
  return text.slice(1, -1).replace(/\\(.)/g, '$1')
}

export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = []
  for (const item of splitItems(header)) {
    const asParameter = parameter.exec(item)
    const current = challenges[challenges.length - 1]
    if (asParameter && current && current.token68 === undefined) {
      const value = parameterValue(asParameter[2] ?? '')
      if (value !== undefined) current.parameters[(asParameter[1] as string).toLowerCase()] = value
      continue
    }
    const start = startsChallenge.exec(item)
    if (!start) continue
    const challenge: Challenge = { scheme: (start[1] as string).toLowerCase(), parameters: {} }
    challenges.push(challenge)
    const rest = start[2]?.trim()
    if (!rest) continue
    const first = parameter.exec(rest)
    const value = first ? parameterValue(first[2] ?? '') : undefined
    if (first && value !== undefined) {
      challenge.parameters[(first[1] as string).toLowerCase()] = value
    } else if (token68.test(rest)) {
      challenge.token68 = rest
    }
  }
  return challenges
}
