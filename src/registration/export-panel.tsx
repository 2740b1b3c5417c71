import { useId, useState } from 'react'
import type { ClientMetadata } from './client-metadata.ts'
import { copyText, downloadText } from './download.ts'
import { type ExportFormatId, exportFormats } from './exporters/formats.ts'
import { createShareLink } from './share-link.ts'
import { buttonPrimary, buttonSecondary, inputClass, panelClass } from './ui.ts'

/** A note's text, with `backticked` names and commands set as code. */
function NoteText({ text }: { text: string }) {
  return text.split('`').map((part, index) =>
    index % 2 === 1 ? (
      <code
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order
        key={index}
        className="rounded bg-amber-100 px-1 font-mono text-[0.8125rem] text-slate-900"
      >
        {part}
      </code>
    ) : (
      part
    ),
  )
}

/** Download, copy and preview per format, and the share link. */
export function ExportPanel({ metadata }: { metadata: ClientMetadata }) {
  const [formatId, setFormatId] = useState<ExportFormatId>('rfc7591')
  const [status, setStatus] = useState('')
  const [share, setShare] = useState<{ url: string; stripped: string[] }>()
  const headingId = useId()
  const notesId = useId()
  const format = exportFormats.find((item) => item.id === formatId) ?? exportFormats[0]
  if (!format) return null
  const text = format.render(metadata, { issuer: `${window.location.origin}/as` })
  const notes = format.notes?.(metadata) ?? []

  return (
    <section aria-labelledby={headingId} className={panelClass}>
      <h2 id={headingId} className="text-lg font-semibold text-slate-900">
        Export
      </h2>
      <fieldset className="mt-3">
        <legend className="text-sm font-medium text-slate-800">Format</legend>
        <div className="mt-2 flex flex-wrap gap-x-4 gap-y-2">
          {exportFormats.map((item) => (
            <label key={item.id} className="flex items-center gap-2 text-sm text-slate-800">
              <input
                type="radio"
                name="export-format"
                className="h-4 w-4 accent-sky-700"
                checked={item.id === formatId}
                onChange={() => {
                  setFormatId(item.id)
                  setStatus('')
                }}
              />
              {item.label}
            </label>
          ))}
        </div>
      </fieldset>
      <p className="mt-2 text-sm text-slate-700">{format.description}</p>
      {notes.length > 0 ? (
        <div className="mt-3 rounded border border-amber-200 bg-amber-50 p-3">
          <h3 id={notesId} className="text-sm font-medium text-slate-900">
            Before you use {format.filename}
          </h3>
          <ul
            aria-labelledby={notesId}
            className="mt-1 list-disc space-y-1 pl-5 text-sm text-slate-800"
          >
            {notes.map((note) => (
              <li key={note}>
                <NoteText text={note} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="mt-3 flex flex-wrap gap-2">
        <button
          type="button"
          className={buttonPrimary}
          onClick={() => {
            downloadText(format.filename, text, format.mimeType)
            setStatus(`Downloaded ${format.filename}.`)
          }}
        >
          Download {format.filename}
        </button>
        <button
          type="button"
          className={buttonSecondary}
          onClick={async () =>
            setStatus(
              (await copyText(text))
                ? `Copied the ${format.label} to the clipboard.`
                : 'Copying is blocked here: select the preview and copy it by hand.',
            )
          }
        >
          Copy
        </button>
        <button
          type="button"
          className={buttonSecondary}
          onClick={async () => {
            const link = await createShareLink(metadata, window.location.origin)
            setShare(link)
            setStatus('Share link ready below.')
          }}
        >
          Create a share link
        </button>
      </div>
      <p role="status" className="mt-2 min-h-5 text-sm text-slate-800">
        {status}
      </p>
      {share ? (
        <div className="mt-2">
          <label htmlFor="share-link" className="block text-sm font-medium text-slate-800">
            Share link
          </label>
          <div className="mt-1 flex gap-2">
            <input
              id="share-link"
              readOnly
              className={`${inputClass} font-mono text-xs`}
              value={share.url}
            />
            <button
              type="button"
              className={buttonSecondary}
              onClick={async () =>
                setStatus(
                  (await copyText(share.url))
                    ? 'Copied the share link.'
                    : 'Copying is blocked here.',
                )
              }
            >
              Copy link
            </button>
          </div>
          <p className="mt-1 text-xs text-slate-600">
            {share.stripped.length > 0
              ? `Left out of the link, because secrets never travel in a URL: ${share.stripped.join(', ')}.`
              : 'The link carries no secret and no private key. It is compressed into the part after #, which browsers never send to a server.'}
          </p>
        </div>
      ) : null}
      <h3 className="mt-4 text-sm font-medium text-slate-800">Preview: {format.filename}</h3>
      <section
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
        aria-label={`${format.label} preview`}
        className="mt-1 max-h-96 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100"
      >
        <pre data-testid="export-preview">{text}</pre>
      </section>
    </section>
  )
}
