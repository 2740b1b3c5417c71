import { paths } from '../app/paths.ts'

/**
 * The hand-over link from a recommendation (or any other page) to the configuration page: the
 * draft RFC 7591 client metadata travels base64url-encoded in `?draft=`. The configuration
 * page reads it as an import, so it is checked like any other input. A draft never carries a
 * secret or a private key.
 */
export function draftLink(metadata: Record<string, unknown>): string {
  const json = JSON.stringify(metadata)
  const bytes = new TextEncoder().encode(json)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  const encoded = btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
  return `${paths.configure}?draft=${encoded}`
}

/** Reads `?draft=` back; `undefined` when absent, an Error when it is not valid base64url JSON. */
export function readDraft(search: string): unknown {
  const encoded = new URLSearchParams(search).get('draft')
  if (encoded === null) return undefined
  try {
    const binary = atob(encoded.replaceAll('-', '+').replaceAll('_', '/'))
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return new Error('The configuration link is damaged: its draft is not valid JSON.')
  }
}
