import { codeResponseType } from './code'
import { codeIdTokenResponseType } from './code-id-token'
import type { ResponseTypeDefinition } from './response-type'
import { tokenResponseType } from './token'

/**
 * Every response_type the authorization endpoint supports. To add one (`code id_token`, `token`):
 * write one file exporting a {@link ResponseTypeDefinition} and add one line here. Discovery and
 * registration read this table too.
 */
export const responseTypeTable: readonly ResponseTypeDefinition[] = [
  codeResponseType,
  codeIdTokenResponseType,
  tokenResponseType,
]

/** Response types are unordered word lists: `id_token code` equals `code id_token`. */
export function normalizeResponseType(value: string): string {
  return value
    .split(' ')
    .filter((word) => word !== '')
    .sort()
    .join(' ')
}

export function findResponseType(value: string): ResponseTypeDefinition | undefined {
  const normalized = normalizeResponseType(value)
  return responseTypeTable.find((entry) => entry.responseType === normalized)
}
