import type { Finding } from './checks.ts'

const tone = {
  error: 'text-red-800',
  warning: 'text-amber-900',
  info: 'text-slate-700',
} as const

const word = { error: 'Error', warning: 'Warning', info: 'Note' } as const

/** The findings about one field, under it; the panel beside the form has the full story. */
export function FieldFindings({ id, findings }: { id: string; findings: Finding[] }) {
  if (findings.length === 0) return null
  return (
    <ul id={id} className="mt-1 space-y-0.5">
      {findings.map((finding) => (
        <li
          key={`${finding.id}-${finding.index ?? ''}`}
          className={`text-xs ${tone[finding.severity]}`}
        >
          <span className="font-semibold">{word[finding.severity]}:</span> {finding.message}
        </li>
      ))}
    </ul>
  )
}
