/**
 * Reads a compact JWS without verifying it, for display only. Verification is the job of the
 * code that relies on the token (oauth4webapi in the flows, the server for its own tokens).
 */
export interface DecodedJwt {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signature: string
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/')
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
    const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0))
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The decoded header and claims, or undefined when the value is not a JWS (e.g. opaque). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, claims, signature] = parts
  if (header === undefined || claims === undefined || signature === undefined) return undefined
  const decodedHeader = decodeSegment(header)
  const decodedClaims = decodeSegment(claims)
  if (!decodedHeader || !decodedClaims) return undefined
  return { header: decodedHeader, claims: decodedClaims, signature }
}

const units = [
  { name: 'day', seconds: 86_400 },
  { name: 'hour', seconds: 3_600 },
  { name: 'minute', seconds: 60 },
  { name: 'second', seconds: 1 },
] as const

/** "4 minutes", "1 hour", "30 seconds": the largest whole unit, rounded down. */
export function describeDuration(seconds: number): string {
  const value = Math.abs(seconds)
  for (const unit of units) {
    if (value >= unit.seconds) {
      const count = Math.floor(value / unit.seconds)
      return `${count} ${unit.name}${count === 1 ? '' : 's'}`
    }
  }
  return '0 seconds'
}

/** "expires in 4 minutes" or "expired 2 minutes ago", for an `exp` claim (seconds). */
export function describeExpiry(exp: number, nowMs: number): string {
  const left = exp - Math.floor(nowMs / 1000)
  if (left > 0) return `expires in ${describeDuration(left)}`
  if (left === 0) return 'expires now'
  return `expired ${describeDuration(left)} ago`
}
