import { containsRedaction } from '../mock-as/redaction.ts'
import type { HttpExchange } from '../mock-as/traffic.ts'
import { describeStatus, formatBody, formFields, requestLine } from './http-format.ts'

export type HeadingLevel = 3 | 4 | 5 | 6

function HeaderLines({ headers }: { headers: Record<string, string> }) {
  const entries = Object.entries(headers)
  if (entries.length === 0) return null
  return (
    <>
      {entries.map(([name, value]) => (
        <span key={name} className="block">
          <span className="text-sky-800">{name}</span>: {value}
        </span>
      ))}
    </>
  )
}

const preClass =
  'mt-1 whitespace-pre-wrap break-all rounded border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-900'

/** One HTTP exchange as it went over the wire: request line, headers, body; status, headers, body. */
export function HttpExchangeView({
  exchange,
  headingLevel = 5,
}: {
  exchange: HttpExchange
  headingLevel?: HeadingLevel
}) {
  const { request, response } = exchange
  const Heading = `h${headingLevel}` as const
  const fields = formFields(request)
  const responseBody = formatBody(response.body, response.headers, response.bodyLength)
  const requestBody = formatBody(request.body, request.headers)
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <div className="min-w-0">
        <Heading className="text-xs font-semibold uppercase tracking-wide text-slate-700">
          Request
        </Heading>
        <pre className={preClass}>
          <span className="block font-semibold">{requestLine(request)}</span>
          <HeaderLines headers={request.headers} />
          {requestBody ? `\n${requestBody}` : null}
        </pre>
        {fields.length > 0 ? (
          <table className="mt-2 w-full table-fixed text-left text-xs">
            <caption className="text-left font-medium text-slate-700">Form fields, decoded</caption>
            <thead className="sr-only">
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {fields.map(([name, value]) => (
                <tr key={name} className="border-t border-slate-200 align-top">
                  <th scope="row" className="w-1/3 py-1 pr-2 font-mono font-normal text-sky-800">
                    {name}
                  </th>
                  <td className="break-all py-1 font-mono">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <div className="min-w-0">
        <Heading className="text-xs font-semibold uppercase tracking-wide text-slate-700">
          Response
        </Heading>
        <pre className={preClass}>
          <span className="block font-semibold">
            HTTP/1.1 {response.status} {describeStatus(response.status)}
          </span>
          <HeaderLines headers={response.headers} />
          {responseBody ? `\n${responseBody}` : null}
        </pre>
        <p className="mt-1 text-xs text-slate-600">
          Answered in {exchange.durationMs.toFixed(1)} ms
        </p>
      </div>
      {containsRedaction(JSON.stringify(exchange)) ? (
        <p className="text-xs text-slate-700 lg:col-span-2">
          <code className="font-mono">[redacted]</code> marks a password, secret, key or token
          removed before this exchange was stored (a JWT keeps its header and claims, not its
          signature). Only the live view of a run in progress shows them.
        </p>
      ) : null}
    </div>
  )
}

/** A list of exchanges, each folded under its request line and status. */
export function HttpInspector({
  exchanges,
  open = false,
  headingLevel = 5,
}: {
  exchanges: HttpExchange[]
  open?: boolean
  headingLevel?: HeadingLevel
}) {
  if (exchanges.length === 0) return null
  return (
    <ul className="mt-2 space-y-2">
      {exchanges.map((exchange) => (
        <li key={exchange.id}>
          <details open={open} className="rounded border border-slate-200 bg-white">
            <summary className="cursor-pointer break-all rounded px-3 py-2 font-mono text-xs text-slate-900 hover:bg-slate-50">
              {requestLine(exchange.request)} → {exchange.response.status}{' '}
              {describeStatus(exchange.response.status)}
              {exchange.request.mode === 'navigate' ? ' (browser navigation)' : ''}
            </summary>
            <div className="border-t border-slate-200 p-3">
              <HttpExchangeView exchange={exchange} headingLevel={headingLevel} />
            </div>
          </details>
        </li>
      ))}
    </ul>
  )
}
