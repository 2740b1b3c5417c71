/** Tailwind class sets shared by the advisor's buttons and links, matching the app shell. */
const focusRing =
  'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700'

export const primaryButton = `inline-flex items-center justify-center gap-2 rounded bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 ${focusRing}`

export const secondaryButton = `inline-flex items-center justify-center gap-2 rounded border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50 ${focusRing}`

export const textLink = `text-sky-800 underline decoration-sky-800/40 underline-offset-2 hover:decoration-sky-800 ${focusRing}`
