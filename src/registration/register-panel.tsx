import { useId, useState } from 'react'
import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import { grantTypes } from './checks.ts'
import type { ClientMetadata } from './client-metadata.ts'
import type { RegistrationOutcome } from './register-client.ts'
import { buttonPrimary, panelClass } from './ui.ts'

/** Which walkthrough fits the client's grants best (walkthrough ids from the app's routes). */
function walkthroughFor(metadata: ClientMetadata): string {
  const grants = metadata.grant_types ?? [grantTypes.authorizationCode]
  if (grants.includes(grantTypes.authorizationCode)) return 'authorization-code'
  if (grants.includes(grantTypes.deviceCode)) return 'device-code'
  if (grants.includes(grantTypes.ciba)) return 'ciba'
  if (grants.includes(grantTypes.clientCredentials)) return 'client-credentials'
  if (grants.includes(grantTypes.jwtBearer)) return 'jwt-bearer'
  if (grants.includes(grantTypes.tokenExchange)) return 'token-exchange'
  return 'authorization-code'
}

function show(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value)
}

const outcomeLabel = {
  kept: 'kept',
  changed: 'changed',
  added: 'added by the server',
  dropped: 'not kept',
} as const

/** Live registration at the mock server (RFC 7591 §3) and what came back. */
export function RegisterPanel({
  metadata,
  errorCount,
}: {
  metadata: ClientMetadata
  errorCount: number
}) {
  const [outcome, setOutcome] = useState<RegistrationOutcome>()
  const [busy, setBusy] = useState(false)
  const headingId = useId()

  const register = async () => {
    setBusy(true)
    setOutcome(undefined)
    try {
      const { registerClient } = await import('./register-client.ts')
      setOutcome(await registerClient(metadata, window.location.origin))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby={headingId} className={panelClass}>
      <h2 id={headingId} className="text-lg font-semibold text-slate-900">
        Register live
      </h2>
      <p className="mt-1 text-sm text-slate-700">
        Sends this metadata to the mock server’s registration endpoint (found through its discovery
        document), exactly as a client would. Everything stays in this browser. The server then
        grants this client only the scopes it registers (every scope it offers if the field is
        empty).
      </p>
      {(metadata.grant_types ?? []).includes(grantTypes.jwtBearer) ? (
        <p className="mt-2 text-sm text-slate-700" data-testid="jwt-bearer-trust-note">
          The server registers a JWT bearer client, but it does not trust a self-registered client
          to speak for users: its assertions fail the <code>iss</code> check with{' '}
          <code>invalid_grant</code>. Only a client an administrator trusts may use that grant (RFC
          7523 §3). The JWT bearer walkthrough registers with the demo administrator’s initial
          access token (RFC 7591 §3), a demo shortcut that stands in for that decision.
        </p>
      ) : null}
      {errorCount > 0 ? (
        <p className="mt-2 text-sm text-amber-950">
          The checks found {errorCount} {errorCount === 1 ? 'error' : 'errors'}; the server may
          refuse this client.
        </p>
      ) : null}
      <button type="button" className={`${buttonPrimary} mt-3`} disabled={busy} onClick={register}>
        {busy ? 'Registering…' : 'Register at the mock server'}
      </button>
      <div aria-live="polite">
        {outcome?.kind === 'registered' ? (
          <div className="mt-4 space-y-3">
            <p role="status" className="text-sm font-semibold text-emerald-900">
              Registered: HTTP {outcome.httpStatus} Created.
            </p>
            <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
              <dt className="font-medium text-slate-800">client_id</dt>
              <dd className="break-all font-mono" data-testid="registered-client-id">
                {String(outcome.response.client_id)}
              </dd>
              {outcome.response.client_secret !== undefined ? (
                <>
                  <dt className="font-medium text-slate-800">client_secret</dt>
                  <dd className="break-all font-mono">{String(outcome.response.client_secret)}</dd>
                  <dt className="font-medium text-slate-800">client_secret_expires_at</dt>
                  <dd className="font-mono">
                    {String(outcome.response.client_secret_expires_at)}
                    {outcome.response.client_secret_expires_at === 0 ? ' (never expires)' : ''}
                  </dd>
                </>
              ) : (
                <>
                  <dt className="font-medium text-slate-800">client_secret</dt>
                  <dd className="text-slate-700">none issued (this client does not use one)</dd>
                </>
              )}
            </dl>
            {outcome.response.client_secret !== undefined ? (
              <p className="text-sm text-slate-700">
                This secret is shown once and is not saved by this page; copy it now if you need it.
              </p>
            ) : null}
            <Link
              className="inline-block rounded bg-sky-700 px-3 py-2 text-sm font-medium text-white hover:bg-sky-800"
              to={`${paths.walkthrough(walkthroughFor(metadata))}?client_id=${encodeURIComponent(String(outcome.response.client_id))}`}
            >
              Run a walkthrough with this client
            </Link>
            <table className="w-full text-left text-sm">
              <caption className="text-left text-sm font-medium text-slate-800">
                What the server kept, changed or added
              </caption>
              <thead>
                <tr className="border-b border-slate-200 text-slate-700">
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Field
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Outcome
                  </th>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    Sent
                  </th>
                  <th scope="col" className="py-1 font-medium">
                    Registered
                  </th>
                </tr>
              </thead>
              <tbody>
                {outcome.comparison.map((row) => (
                  <tr key={row.field} className="border-b border-slate-100 align-top">
                    <th scope="row" className="py-1 pr-3 font-mono text-xs font-normal">
                      {row.field}
                    </th>
                    <td
                      className={`py-1 pr-3 ${row.outcome === 'kept' ? 'text-slate-700' : 'font-medium text-amber-950'}`}
                    >
                      {outcomeLabel[row.outcome]}
                    </td>
                    <td className="break-all py-1 pr-3 font-mono text-xs">{show(row.sent)}</td>
                    <td className="break-all py-1 font-mono text-xs">{show(row.received)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <RawResponse status={outcome.httpStatus} raw={outcome.raw} />
          </div>
        ) : null}
        {outcome?.kind === 'refused' ? (
          <div
            role="alert"
            className="mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900"
          >
            <p className="font-semibold">
              The server refused the registration: HTTP {outcome.httpStatus}, {outcome.error}
            </p>
            {outcome.description ? <p className="mt-1">{outcome.description}</p> : null}
            <RawResponse status={outcome.httpStatus} raw={outcome.raw} />
          </div>
        ) : null}
        {outcome?.kind === 'failed' ? (
          <div
            role="alert"
            className="mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900"
          >
            <p className="font-semibold">Registration did not complete.</p>
            <p className="mt-1">{outcome.message}</p>
            {outcome.raw !== undefined ? (
              <RawResponse status={outcome.httpStatus ?? 0} raw={outcome.raw} />
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  )
}

function RawResponse({ status, raw }: { status: number; raw: string }) {
  let pretty = raw
  try {
    pretty = JSON.stringify(JSON.parse(raw), null, 2)
  } catch {
    // Not JSON: show it as it came.
  }
  return (
    <div className="mt-2">
      <h3 className="text-sm font-medium text-slate-800">Raw response (HTTP {status})</h3>
      <section
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
        aria-label="Raw registration response"
        className="mt-1 max-h-72 overflow-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100"
      >
        <pre className="whitespace-pre">{pretty}</pre>
      </section>
    </div>
  )
}
