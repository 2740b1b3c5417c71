import type { Finding, Severity } from './checks.ts'
import { type FieldName, fieldSpecs } from './client-metadata.ts'
import { buttonLink, focusField } from './ui.ts'

const badge: Record<Severity, string> = {
  error: 'bg-red-100 text-red-900 ring-red-300',
  warning: 'bg-amber-100 text-amber-950 ring-amber-300',
  info: 'bg-sky-50 text-sky-950 ring-sky-200',
}
const word: Record<Severity, string> = { error: 'Error', warning: 'Warning', info: 'Note' }

function plural(count: number, one: string) {
  return `${count} ${one}${count === 1 ? '' : 's'}`
}

function fieldLabel(finding: Finding) {
  const label = fieldSpecs[finding.field as FieldName]?.label ?? finding.field
  return finding.index === undefined ? label : `${label}, entry ${finding.index + 1}`
}

/** Every finding, worst first; each one names its field and takes you there. */
export function FindingsPanel({ findings }: { findings: Finding[] }) {
  const count = (severity: Severity) => findings.filter((item) => item.severity === severity).length
  const summary =
    findings.length === 0
      ? 'No findings: this configuration passes every check.'
      : `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('info'), 'note')}`
  return (
    <section
      aria-labelledby="findings-heading"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id="findings-heading" className="text-lg font-semibold text-slate-900">
        Findings
      </h2>
      <p className="mt-1 text-sm text-slate-700" aria-live="polite">
        {summary}
      </p>
      <ul className="mt-3 space-y-3" aria-label="Findings">
        {findings.map((finding) => (
          <li
            key={`${finding.id}-${finding.index ?? ''}`}
            className="rounded border border-slate-200 p-3"
            data-finding={finding.id}
          >
            <div className="flex flex-wrap items-center gap-2">
              <span
                className={`rounded px-1.5 py-0.5 text-xs font-semibold ring-1 ${badge[finding.severity]}`}
              >
                {word[finding.severity]}
              </span>
              <button
                type="button"
                className={buttonLink}
                onClick={() => focusField(finding.field, finding.index)}
              >
                {fieldLabel(finding)}
              </button>
            </div>
            <p className="mt-1.5 text-sm text-slate-900">{finding.message}</p>
            <p className="mt-1 text-sm text-slate-700">
              <span className="font-medium">Fix:</span> {finding.fix}
            </p>
            <a
              className="mt-1 inline-block text-xs text-sky-800 underline underline-offset-2"
              href={finding.spec.href}
              target="_blank"
              rel="noreferrer"
            >
              {finding.spec.label}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}
