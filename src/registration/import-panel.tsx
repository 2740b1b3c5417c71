import { type DragEvent, useId, useState } from 'react'
import { type ClientMetadata, type ImportIssue, maxImportBytes } from './client-metadata.ts'
import { type ImportResult, importClientFile, importClientText } from './importers.ts'
import { buttonPrimary, buttonSecondary, inputClass, panelClass } from './ui.ts'

type Outcome =
  | { kind: 'refused'; source: string; errors: ImportIssue[]; warnings: ImportIssue[] }
  | { kind: 'imported'; source: string; format: string; warnings: ImportIssue[] }

function IssueList({ issues }: { issues: ImportIssue[] }) {
  return (
    <ul className="mt-1 list-disc space-y-1 pl-5">
      {issues.map((issue) => (
        <li key={`${issue.field}-${issue.message}`}>
          {issue.field ? <code className="font-semibold">{issue.field}</code> : null}
          {issue.field ? ': ' : ''}
          {issue.message}
        </li>
      ))}
    </ul>
  )
}

/**
 * Paste, upload or drop RFC 7591 JSON or a Keycloak client export. A refused import changes
 * nothing on the page; an accepted one replaces the configuration and lists what it left out.
 */
export function ImportPanel({ onImport }: { onImport: (metadata: ClientMetadata) => void }) {
  const [text, setText] = useState('')
  const [outcome, setOutcome] = useState<Outcome>()
  const [dragging, setDragging] = useState(false)
  const headingId = useId()

  const settle = (result: ImportResult, source: string) => {
    if (!result.ok) {
      setOutcome({ kind: 'refused', source, errors: result.errors, warnings: result.warnings })
      return
    }
    onImport(result.metadata)
    setOutcome({
      kind: 'imported',
      source,
      format: result.format === 'keycloak' ? 'a Keycloak client' : 'RFC 7591 metadata',
      warnings: result.warnings,
    })
  }

  const readFile = async (file: File | undefined) => {
    if (!file) return
    settle(await importClientFile(file, maxImportBytes), `"${file.name}"`)
  }

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(false)
    void readFile(event.dataTransfer.files[0])
  }

  return (
    <section aria-labelledby={headingId} className={panelClass}>
      <h2 id={headingId} className="text-lg font-semibold text-slate-900">
        Import
      </h2>
      <p className="mt-1 text-sm text-slate-700">
        RFC 7591 JSON (a registration request or response) or a Keycloak client export, up to 1 MB.
        If anything is wrong, nothing on this page changes.
      </p>
      {/* Dropping is a shortcut; the text area and the upload button do the same by keyboard. */}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: drop target only, with keyboard equivalents beside it */}
      <div
        className={`mt-3 rounded border-2 border-dashed p-3 ${dragging ? 'border-sky-600 bg-sky-50' : 'border-slate-300'}`}
        onDragOver={(event) => {
          event.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor="import-text" className="block text-sm font-medium text-slate-800">
          Paste JSON, or drop a file here
        </label>
        <textarea
          id="import-text"
          className={`${inputClass} mt-1 h-28 font-mono text-xs`}
          value={text}
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
        />
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <button
            type="button"
            className={buttonPrimary}
            onClick={() => settle(importClientText(text), 'The pasted text')}
          >
            Import pasted JSON
          </button>
          <label
            className={`${buttonSecondary} cursor-pointer focus-within:outline-2 focus-within:outline-sky-700`}
          >
            Upload a file…
            <input
              type="file"
              accept="application/json,.json"
              className="sr-only"
              onChange={(event) => {
                void readFile(event.target.files?.[0])
                event.target.value = ''
              }}
            />
          </label>
        </div>
      </div>
      <div aria-live="polite">
        {outcome?.kind === 'refused' ? (
          <div
            role="alert"
            className="mt-3 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900"
          >
            <p className="font-semibold">
              {outcome.source} was not imported; your configuration is unchanged.
            </p>
            <IssueList issues={outcome.errors} />
          </div>
        ) : null}
        {outcome?.kind === 'imported' ? (
          <div
            role="status"
            className="mt-3 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950"
          >
            <p className="font-semibold">
              Imported {outcome.format} from{' '}
              {outcome.source.charAt(0).toLowerCase() + outcome.source.slice(1)}.
            </p>
            {outcome.warnings.length > 0 ? <IssueList issues={outcome.warnings} /> : null}
          </div>
        ) : null}
      </div>
    </section>
  )
}
