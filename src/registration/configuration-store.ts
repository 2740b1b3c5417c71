import {
  type ClientMetadata,
  type ImportIssue,
  normalizeMetadata,
  parseClientMetadata,
  parseClientMetadataText,
  stripSecrets,
} from './client-metadata.ts'
import { readDraft } from './draft-link.ts'
import { readShareLink } from './share-link.ts'

/**
 * Where the page's configuration comes from and where it is kept. It persists to localStorage
 * on every change, without the client secret or any private key member (docs/decisions/043).
 */
export const storageKey = 'grantlab.configure.v1'

export type Origin =
  | { kind: 'blank' }
  | { kind: 'saved' }
  | { kind: 'share-link'; warnings: ImportIssue[] }
  | { kind: 'draft'; warnings: ImportIssue[] }

export type InitialState = {
  metadata: ClientMetadata
  origin: Origin
  /** An address that could not be opened (damaged link or draft): its errors, page unchanged. */
  refused?: { source: 'share-link' | 'draft'; errors: ImportIssue[] }
}

export function saveConfiguration(metadata: ClientMetadata): void {
  try {
    const { metadata: safe } = stripSecrets(normalizeMetadata(metadata))
    localStorage.setItem(storageKey, JSON.stringify(safe))
  } catch {
    // Storage full or disabled (private mode): the page keeps working without it.
  }
}

export function loadSavedConfiguration(): ClientMetadata | undefined {
  let text: string | null = null
  try {
    text = localStorage.getItem(storageKey)
  } catch {
    return undefined
  }
  if (text === null) return undefined
  const result = parseClientMetadataText(text)
  return result.ok ? result.metadata : undefined
}

/** Share link (fragment) first, then the advisor's `?draft=`, then what was saved, then blank. */
export async function loadInitialState(location: {
  hash: string
  search: string
}): Promise<InitialState> {
  const saved = loadSavedConfiguration()
  const fallback: InitialState = saved
    ? { metadata: saved, origin: { kind: 'saved' } }
    : { metadata: {}, origin: { kind: 'blank' } }
  const shared = await readShareLink(location.hash)
  if (shared) {
    return shared.ok
      ? { metadata: shared.metadata, origin: { kind: 'share-link', warnings: shared.warnings } }
      : { ...fallback, refused: { source: 'share-link', errors: shared.errors } }
  }
  const draft = readDraft(location.search)
  if (draft !== undefined) {
    if (draft instanceof Error) {
      return {
        ...fallback,
        refused: {
          source: 'draft',
          errors: [{ severity: 'error', field: '', message: draft.message }],
        },
      }
    }
    const parsed = parseClientMetadata(draft)
    if (!parsed.ok) return { ...fallback, refused: { source: 'draft', errors: parsed.errors } }
    const { metadata, stripped } = stripSecrets(parsed.metadata)
    return {
      metadata,
      origin: {
        kind: 'draft',
        warnings: [
          ...parsed.warnings,
          ...stripped.map((field) => ({
            severity: 'warning' as const,
            field,
            message: `${field} was in the link and was dropped: secrets never travel in a URL.`,
          })),
        ],
      },
    }
  }
  return fallback
}
