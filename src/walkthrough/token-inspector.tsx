import { useEffect, useState } from 'react'
import type { ShownToken, SignatureStatus } from '../flows/flow-model.ts'
import { containsRedaction } from '../mock-as/redaction.ts'
import { decodeJwt, describeExpiry } from '../shared/jwt.ts'
import { claimMeaning } from './claim-meanings.ts'

const timeClaims = new Set(['exp', 'iat', 'nbf', 'auth_time'])

const signatureLabels: Record<SignatureStatus, { text: string; className: string }> = {
  verified: { text: 'Signature verified', className: 'bg-emerald-100 text-emerald-900' },
  'not-checked': { text: 'Signature not checked', className: 'bg-amber-100 text-amber-900' },
  'not-applicable': { text: 'No signature (opaque)', className: 'bg-slate-100 text-slate-800' },
}

/** Re-renders every `intervalMs` so relative times ("expires in 4 minutes") stay true. */
function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}

function formatClaim(name: string, value: unknown, now: number): string {
  if (timeClaims.has(name) && typeof value === 'number') {
    const when = new Date(value * 1000).toISOString().replace('.000Z', 'Z')
    if (name === 'exp') return `${value} (${when}, ${describeExpiry(value, now)})`
    return `${value} (${when})`
  }
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** A token decoded: header, claims with their meaning, expiry in words, signature status. */
export function TokenInspector({
  token,
  narrow = false,
}: {
  token: ShownToken
  /** In a narrow column (tokens side by side): header above the claims, never beside them. */
  narrow?: boolean
}) {
  const now = useNow(15_000)
  const decoded = decodeJwt(token.value)
  const signature = signatureLabels[token.signature]
  const exp = decoded?.claims.exp
  return (
    <section
      aria-label={token.label}
      className="rounded border border-slate-200 bg-white p-3 text-sm"
    >
      <div className="flex flex-wrap items-center gap-2">
        <h5 className="font-semibold">{token.label}</h5>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${signature.className}`}>
          {signature.text}
        </span>
        {typeof exp === 'number' ? (
          <span className="text-xs text-slate-700">{describeExpiry(exp, now)}</span>
        ) : null}
      </div>
      {token.signatureNote ? (
        <p className="mt-1 text-xs text-slate-700">{token.signatureNote}</p>
      ) : null}
      {containsRedaction(token.value) ? (
        <p className="mt-1 text-xs text-slate-700">
          {decoded
            ? 'Stored without its signature once the run was over, so it works nowhere; the header and claims are as they arrived.'
            : 'Stored without its value once the run was over: an opaque token has nothing else to show.'}
        </p>
      ) : null}
      <details className="mt-2">
        <summary className="cursor-pointer text-xs text-sky-800">Raw token</summary>
        <p className="mt-1 break-all font-mono text-xs">{token.value}</p>
      </details>
      {decoded ? (
        <div className={`mt-2 grid gap-3 ${narrow ? '' : 'lg:grid-cols-3'}`}>
          <div className="min-w-0">
            <h6 className="text-xs font-semibold uppercase tracking-wide text-slate-700">Header</h6>
            <pre className="mt-1 whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs">
              {JSON.stringify(decoded.header, null, 2)}
            </pre>
          </div>
          <div className={`min-w-0 ${narrow ? '' : 'lg:col-span-2'}`}>
            <table className="w-full table-fixed text-left text-xs">
              <caption className="text-left font-semibold uppercase tracking-wide text-slate-700">
                Claims
              </caption>
              <thead>
                <tr className="text-slate-700">
                  <th scope="col" className="w-24 py-1 font-medium">
                    Claim
                  </th>
                  <th scope="col" className="py-1 font-medium">
                    Value
                  </th>
                  <th scope="col" className="w-1/3 py-1 font-medium">
                    Meaning
                  </th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(decoded.claims).map(([name, value]) => (
                  <tr key={name} className="border-t border-slate-200 align-top">
                    <th scope="row" className="py-1 pr-2 font-mono font-normal text-sky-800">
                      {name}
                    </th>
                    <td className="break-all py-1 pr-2 font-mono">
                      {formatClaim(name, value, now)}
                    </td>
                    <td className="py-1 text-slate-700">{claimMeaning(name, token)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </section>
  )
}
