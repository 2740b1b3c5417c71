/**
 * Whether an IP address (or a host written as one) is not a public unicast address: loopback,
 * private, link-local, shared, documentation, benchmarking, multicast, unspecified or reserved
 * (the IANA special-purpose registries of RFC 6890). A server that fetches a URL a client gave it
 * must not reach such addresses (SSRF; Client ID Metadata Document draft §6.5). Names are not
 * resolved here: the core has no DNS. `localhost` and `*.localhost` count as loopback (RFC 6761
 * §6.3); any other name is for the fetcher to resolve and check.
 * @see https://www.rfc-editor.org/rfc/rfc6890
 */
export function isSpecialUseHost(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  const v4 = parseIpv4(name)
  if (v4) return isSpecialIpv4(v4)
  if (name.includes(':')) return isSpecialIpv6(name)
  return false
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined
  const bytes = parts.map(Number)
  return bytes.every((byte) => byte <= 255) ? bytes : undefined
}

const ipv4Blocks: readonly [number, number, number, number, number][] = [
  [0, 0, 0, 0, 8],
  [10, 0, 0, 0, 8],
  [100, 64, 0, 0, 10],
  [127, 0, 0, 0, 8],
  [169, 254, 0, 0, 16],
  [172, 16, 0, 0, 12],
  [192, 0, 0, 0, 24],
  [192, 0, 2, 0, 24],
  [192, 88, 99, 0, 24],
  [192, 168, 0, 0, 16],
  [198, 18, 0, 0, 15],
  [198, 51, 100, 0, 24],
  [203, 0, 113, 0, 24],
  [224, 0, 0, 0, 4],
  [240, 0, 0, 0, 4],
]

function toNumber(bytes: readonly number[]): number {
  return bytes.reduce((value, byte) => value * 256 + byte, 0)
}

function isSpecialIpv4(bytes: readonly number[]): boolean {
  const value = toNumber(bytes)
  return ipv4Blocks.some(([a, b, c, d, prefix]) => {
    const size = 2 ** (32 - prefix)
    const start = toNumber([a, b, c, d])
    return value >= start && value < start + size
  })
}

/** Expands an IPv6 literal to its eight 16-bit groups, or undefined when it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text.split('%')[0] ?? ''
  // An embedded IPv4 address (::ffff:10.0.0.1) becomes its two groups.
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address)
  if (tail?.[1]) {
    const v4 = parseIpv4(tail[1])
    if (!v4) return undefined
    address = `${address.slice(0, -tail[1].length)}${((v4[0] ?? 0) * 256 + (v4[1] ?? 0)).toString(16)}:${((v4[2] ?? 0) * 256 + (v4[3] ?? 0)).toString(16)}`
  }
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === '' ? [] : part.split(':'))
  const head = parse(halves[0] ?? '')
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined
  return groups.map((group) => Number.parseInt(group, 16))
}

function isSpecialIpv6(text: string): boolean {
  const groups = ipv6Groups(text)
  // Something with a colon that is not an IPv6 address is no public host either.
  if (!groups) return true
  const [first = 0] = groups
  const allZeroBefore = (index: number) => groups.slice(0, index).every((group) => group === 0)
  if (allZeroBefore(8)) return true // :: unspecified
  if (allZeroBefore(7) && groups[7] === 1) return true // ::1 loopback
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses carry an IPv4 address.
  if (allZeroBefore(5) && (groups[5] === 0xffff || groups[5] === 0)) {
    const v4 = [
      (groups[6] ?? 0) >> 8,
      (groups[6] ?? 0) & 0xff,
      (groups[7] ?? 0) >> 8,
      (groups[7] ?? 0) & 0xff,
    ]
    return isSpecialIpv4(v4)
  }
  if (first === 0x64 && groups[1] === 0xff9b) return true // 64:ff9b::/96 translation
  if ((first & 0xfe00) === 0xfc00) return true // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return true // ff00::/8 multicast
  if (first === 0x2001 && groups[1] === 0x0db8) return true // 2001:db8::/32 documentation
  if (first === 0x2001 && (groups[1] ?? 0) < 0x0200) return true // 2001::/23 IETF protocols
  if (first === 0x0100 && groups.slice(1, 4).every((group) => group === 0)) return true // 100::/64 discard
  return false
}
