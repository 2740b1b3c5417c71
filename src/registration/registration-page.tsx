import { startTransition, useEffect, useLayoutEffect, useMemo, useState } from 'react'
import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import { lazyAfterFirstPaint } from '../shared/lazy-after-first-paint.tsx'
import { runChecks } from './checks.ts'
import type { ClientMetadata, ImportIssue } from './client-metadata.ts'
import { type InitialState, loadInitialState, saveConfiguration } from './configuration-store.ts'
import { FindingsPanel } from './findings-panel.tsx'
import { MetadataForm } from './metadata-form.tsx'
import { presets } from './presets.ts'
import { buttonSecondary } from './ui.ts'

// Below the form: their code (the exporters, the importers, live registration) loads after the
// first paint (docs/decisions/091).
const ExportPanel = lazyAfterFirstPaint(() =>
  import('./export-panel.tsx').then((m) => m.ExportPanel),
)
const ImportPanel = lazyAfterFirstPaint(() =>
  import('./import-panel.tsx').then((m) => m.ImportPanel),
)
const RegisterPanel = lazyAfterFirstPaint(() =>
  import('./register-panel.tsx').then((m) => m.RegisterPanel),
)

type Notice = { tone: 'info' | 'error'; title: string; issues: ImportIssue[] }

function noticeFor(initial: InitialState): Notice | undefined {
  if (initial.refused) {
    return {
      tone: 'error',
      title: `The ${initial.refused.source === 'draft' ? 'recommendation link' : 'share link'} could not be opened, so the page shows ${initial.origin.kind === 'saved' ? 'your saved configuration' : 'a blank form'}.`,
      issues: initial.refused.errors,
    }
  }
  switch (initial.origin.kind) {
    case 'draft':
      return {
        tone: 'info',
        title:
          'Opened from the advisor’s recommendation. Check the findings and fill in your redirect URIs.',
        issues: initial.origin.warnings,
      }
    case 'share-link':
      return { tone: 'info', title: 'Opened from a share link.', issues: initial.origin.warnings }
    case 'saved':
      return { tone: 'info', title: 'Restored the configuration you were working on.', issues: [] }
    default:
      return undefined
  }
}

/** `/configure`: build, check, export, import and register client metadata. */
function ConfigureIntro() {
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">Configure a client</h1>
      <p className="mt-2 max-w-3xl text-slate-700">
        Build RFC 7591 client registration metadata, see what is wrong with it as you type, export
        it for your server, and register it live at the mock server. Not sure which grant to use?{' '}
        <Link className="text-sky-800 underline underline-offset-2" to={paths.advisor}>
          Ask the advisor
        </Link>
        .
      </p>
    </>
  )
}

export function RegistrationPage() {
  const [metadata, setMetadata] = useState<ClientMetadata>()
  const [notice, setNotice] = useState<Notice>()

  // A layout effect, and the form rendered as a transition: without a share link to decompress,
  // the configuration is read at once, and the form builds in short slices rather than one long
  // task (docs/decisions/091).
  useLayoutEffect(() => {
    let live = true
    const open = () =>
      loadInitialState(window.location).then((initial) => {
        if (!live) return
        startTransition(() => {
          setMetadata(initial.metadata)
          setNotice(noticeFor(initial))
        })
        // A link opens once; from here on the page (and localStorage) hold the configuration.
        if (
          initial.origin.kind === 'share-link' ||
          initial.origin.kind === 'draft' ||
          initial.refused
        ) {
          window.history.replaceState(window.history.state, '', paths.configure)
        }
      })
    void open()
    // A share link pasted into the address bar of this very page only changes the fragment.
    const onHashChange = () => {
      if (window.location.hash.includes('config=')) void open()
    }
    window.addEventListener('hashchange', onHashChange)
    return () => {
      live = false
      window.removeEventListener('hashchange', onHashChange)
    }
  }, [])

  useEffect(() => {
    if (metadata) saveConfiguration(metadata)
  }, [metadata])

  const findings = useMemo(() => (metadata ? runChecks(metadata) : []), [metadata])

  if (!metadata) {
    // The loaded page's heading and introduction (the very same elements: React keeps them when
    // the configuration arrives), with room below, so that nothing moves (no layout shift) and the
    // largest text is painted in the first frame (docs/decisions/091, 143).
    return (
      <div className="mx-auto min-h-screen max-w-6xl px-4 py-8">
        <ConfigureIntro />
        <p className="mt-6 text-sm text-slate-700">Loading your configuration…</p>
      </div>
    )
  }

  const startFrom = (next: ClientMetadata, title: string) => {
    setMetadata(next)
    setNotice({ tone: 'info', title, issues: [] })
  }

  return (
    <div className="mx-auto max-w-6xl px-4 py-8">
      <ConfigureIntro />

      <section aria-labelledby="start-heading" className="mt-6">
        <h2 id="start-heading" className="text-sm font-semibold text-slate-800">
          Start from a kind of app
        </h2>
        <ul className="mt-2 flex flex-wrap gap-2">
          {presets.map((preset) => (
            <li key={preset.id}>
              <button
                type="button"
                className={buttonSecondary}
                title={preset.summary}
                onClick={() =>
                  startFrom(
                    structuredClone(preset.metadata),
                    `Started from the “${preset.title}” preset: ${preset.summary}`,
                  )
                }
              >
                {preset.title}
              </button>
            </li>
          ))}
          <li>
            <button
              type="button"
              className={buttonSecondary}
              onClick={() => startFrom({}, 'Started from a blank form.')}
            >
              Blank form
            </button>
          </li>
        </ul>
      </section>

      {notice ? (
        <div
          role={notice.tone === 'error' ? 'alert' : 'status'}
          className={`mt-4 rounded border p-3 text-sm ${notice.tone === 'error' ? 'border-red-300 bg-red-50 text-red-900' : 'border-sky-200 bg-sky-50 text-slate-900'}`}
        >
          <p>{notice.title}</p>
          {notice.issues.length > 0 ? (
            <ul className="mt-1 list-disc pl-5">
              {notice.issues.map((issue) => (
                <li key={`${issue.field}-${issue.message}`}>{issue.message}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <section aria-labelledby="form-heading" className="min-w-0">
          <h2 id="form-heading" className="sr-only">
            Client metadata
          </h2>
          <MetadataForm metadata={metadata} findings={findings} onChange={setMetadata} />
        </section>
        <aside
          className="lg:sticky lg:top-4 lg:max-h-[calc(100vh-2rem)] lg:self-start lg:overflow-y-auto"
          aria-label="Findings panel"
        >
          <FindingsPanel findings={findings} />
        </aside>
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <div className="min-w-0">
          <ExportPanel metadata={metadata} />
        </div>
        <div className="min-w-0">
          <ImportPanel
            onImport={(next) => {
              setMetadata(next)
              setNotice(undefined)
            }}
          />
        </div>
      </div>
      <div className="mt-6">
        <RegisterPanel
          metadata={metadata}
          errorCount={findings.filter((finding) => finding.severity === 'error').length}
        />
      </div>
    </div>
  )
}
