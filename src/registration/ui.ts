import type { FieldName } from './client-metadata.ts'

/** Shared class names, so the page matches the app shell (slate text, sky accent buttons). */
export const buttonPrimary =
  'rounded bg-sky-700 px-3 py-2 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 disabled:cursor-not-allowed disabled:bg-slate-400'
export const buttonSecondary =
  'rounded border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700'
export const buttonLink =
  'text-sm text-sky-800 underline underline-offset-2 hover:text-sky-950 focus-visible:outline-2 focus-visible:outline-sky-700'
export const inputClass =
  'w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 focus:border-sky-600 focus:outline-2 focus:outline-sky-600 aria-[invalid=true]:border-red-600'
export const labelClass = 'block text-sm font-medium text-slate-800'
export const hintClass = 'mt-1 text-xs text-slate-600'
export const panelClass = 'rounded-lg border border-slate-200 bg-white p-4'

/** The id of a field's input (or of one entry of a list field), for labels and "go to field". */
export function fieldId(field: FieldName | string, index?: number): string {
  const base = `field-${field.replaceAll(/[^a-z0-9_]/gi, '-')}`
  return index === undefined ? base : `${base}-${index}`
}

/** Moves focus to a field; a list field without that entry falls back to its first control. */
export function focusField(field: string, index?: number): void {
  const target =
    document.getElementById(fieldId(field, index)) ?? document.getElementById(fieldId(field))
  if (!target) return
  target.scrollIntoView({ block: 'center', behavior: 'smooth' })
  target.focus({ preventScroll: true })
}
