import type { Ref } from 'react'
import type { Actor, Destination, ShownValue, Step, StepResult } from '../flows/flow-model.ts'
import type { HttpExchange } from '../mock-as/traffic.ts'
import { HttpInspector } from './http-inspector.tsx'
import type { StepState } from './sequence-diagram.tsx'
import { TokenInspector } from './token-inspector.tsx'

const kindLabels = {
  request: 'HTTP request',
  redirect: 'Browser redirect',
  local: 'Computed by the client',
} as const

const stateBadges: Record<StepState, { text: string; className: string }> = {
  done: { text: 'Done', className: 'bg-emerald-100 text-emerald-900' },
  current: { text: 'Next', className: 'bg-sky-100 text-sky-900' },
  failed: { text: 'Failed', className: 'bg-red-100 text-red-900' },
  waiting: { text: 'Waiting for the browser', className: 'bg-amber-100 text-amber-900' },
  pending: { text: 'Not run yet', className: 'bg-slate-100 text-slate-800' },
}

function ValueView({ value }: { value: ShownValue }) {
  let body = <span className="break-all font-mono text-xs">{value.value}</span>
  if (value.format === 'json') {
    let pretty = value.value
    try {
      pretty = JSON.stringify(JSON.parse(value.value), null, 2)
    } catch {
      // Not JSON after all: show it as it came.
    }
    body = (
      <pre className="whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs text-slate-900">
        {pretty}
      </pre>
    )
  } else if (value.format === 'url') {
    const url = new URL(value.value)
    body = (
      <div>
        <span className="break-all font-mono text-xs">{value.value}</span>
        <ul className="mt-1 space-y-0.5 border-l-2 border-slate-200 pl-2 font-mono text-xs">
          {[...url.searchParams.entries()].map(([name, param]) => (
            <li key={name} className="break-all">
              <span className="text-sky-800">{name}</span> = {param}
            </li>
          ))}
        </ul>
      </div>
    )
  }
  return (
    <div className="border-t border-slate-200 py-2 sm:grid sm:grid-cols-4 sm:gap-3">
      <dt className="text-sm font-medium text-slate-800">{value.label}</dt>
      <dd className="min-w-0 sm:col-span-3">
        {body}
        {value.note ? <p className="mt-0.5 text-xs text-slate-700">{value.note}</p> : null}
      </dd>
    </div>
  )
}

function ResultView({
  result,
  resultRef,
  headingId,
  latest,
}: {
  result: StepResult
  resultRef?: Ref<HTMLHeadingElement>
  headingId: string
  latest: boolean
}) {
  if (result.status === 'error') {
    return (
      <div className="mt-3 rounded border border-red-300 bg-red-50 p-3">
        <h4 id={headingId} ref={resultRef} tabIndex={-1} className="font-semibold text-red-900">
          What went wrong
        </h4>
        <p className="mt-1 text-sm text-red-900">{result.message}</p>
        {result.code ? (
          <p className="mt-1 text-sm text-red-900">
            Error code: <code className="font-mono">{result.code}</code>
          </p>
        ) : null}
        {result.detail ? (
          <p className="mt-1 break-all text-sm text-red-900">Detail: {result.detail}</p>
        ) : null}
        {result.exchanges.length > 0 ? (
          <>
            <h5 className="mt-3 text-sm font-semibold text-slate-900">HTTP</h5>
            <HttpInspector exchanges={result.exchanges} open headingLevel={6} />
          </>
        ) : null}
      </div>
    )
  }
  return (
    <div className="mt-3">
      <h4 id={headingId} ref={resultRef} tabIndex={-1} className="font-semibold text-emerald-900">
        Result
      </h4>
      <p className="text-sm text-slate-800">{result.summary}</p>
      {result.values && result.values.length > 0 ? (
        <dl className="mt-2">
          {result.values.map((value) => (
            <ValueView key={value.label} value={value} />
          ))}
        </dl>
      ) : null}
      {result.notes && result.notes.length > 0 ? (
        <ul className="mt-2 list-disc pl-5 text-sm text-slate-700">
          {result.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
      {result.tokens && result.tokens.length > 0 ? (
        <>
          <h4 className="mt-3 font-semibold">Tokens</h4>
          <div className="mt-1 space-y-2">
            {result.tokens.map((token) => (
              <TokenInspector key={token.label} token={token} />
            ))}
          </div>
        </>
      ) : null}
      {result.exchanges.length > 0 ? (
        <>
          <h4 className="mt-3 font-semibold">HTTP</h4>
          <HttpInspector exchanges={result.exchanges} open={latest} />
        </>
      ) : null}
    </div>
  )
}

export interface StepCardProps {
  step: Step
  index: number
  state: StepState
  actors: Actor[]
  result: StepResult | undefined
  /** The destination to follow, while the browser has yet to go there (or come back). */
  pendingDestination: Destination | undefined
  /** True for the step that ran last: its HTTP exchanges are unfolded. */
  latest: boolean
  /** Server exchanges made while the browser was away after this step. */
  awayTraffic: HttpExchange[]
  canRun: boolean
  busy: boolean
  onRun(): void
  onFollow(destination: Destination): void
  resultRef?: Ref<HTMLHeadingElement>
}

export function StepCard({
  step,
  index,
  state,
  actors,
  result,
  pendingDestination,
  awayTraffic,
  canRun,
  busy,
  onRun,
  onFollow,
  resultRef,
  latest,
}: StepCardProps) {
  const badge = stateBadges[state]
  const from = actors.find((actor) => actor.id === step.from)?.label
  const to = actors.find((actor) => actor.id === step.to)?.label
  const headingId = `step-${step.id}`
  const isCurrent = state === 'current' || state === 'failed'
  return (
    <li
      aria-labelledby={headingId}
      className={`rounded-lg border bg-white p-4 ${isCurrent ? 'border-sky-600 shadow-sm ring-1 ring-sky-600' : 'border-slate-200'}`}
    >
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h3 id={headingId} tabIndex={-1} className="text-lg font-semibold">
          <span className="text-slate-600">{index + 1}.</span> {step.title}
        </h3>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${badge.className}`}>
          {badge.text}
        </span>
        <span className="text-xs text-slate-700">
          {kindLabels[step.kind]} · {from === to ? from : `${from} → ${to}`}
        </span>
      </div>
      <p className="mt-2 max-w-3xl text-sm text-slate-800">{step.explanation}</p>
      <p className="mt-2 text-sm">
        <span className="text-slate-700">Spec: </span>
        {[step.spec, ...(step.moreSpecs ?? [])].map((spec, specIndex) => (
          <span key={spec.href}>
            {specIndex > 0 ? ', ' : ''}
            <a
              href={spec.href}
              className="text-sky-800 underline hover:text-sky-950"
              target="_blank"
              rel="noreferrer"
            >
              {spec.label}
            </a>
          </span>
        ))}
      </p>
      {isCurrent ? (
        <button
          type="button"
          onClick={onRun}
          disabled={!canRun || busy}
          aria-describedby={headingId}
          className="mt-3 rounded bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 disabled:cursor-not-allowed disabled:bg-slate-400 disabled:text-slate-900"
        >
          {busy ? 'Running…' : state === 'failed' ? 'Run step again' : 'Run step'}
        </button>
      ) : null}
      {result ? (
        <ResultView
          result={result}
          resultRef={resultRef}
          headingId={`${headingId}-result`}
          latest={latest}
        />
      ) : null}
      {pendingDestination ? (
        <div className="mt-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <p>
            {pendingDestination.how === 'navigate'
              ? 'This tab now leaves the walkthrough; your progress is saved.'
              : 'Open this page beside the walkthrough and keep both in view.'}{' '}
            {pendingDestination.hint}
          </p>
          <button
            type="button"
            onClick={() => onFollow(pendingDestination)}
            className="mt-2 rounded bg-amber-800 px-4 py-2 font-medium text-white hover:bg-amber-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-800"
          >
            {pendingDestination.label}
          </button>
        </div>
      ) : null}
      {awayTraffic.length > 0 ? (
        <div className="mt-3">
          <h4 className="font-semibold">While the browser was at the server</h4>
          <p className="text-sm text-slate-700">
            The browser, not the client code, sent these requests: the client never sees them. The
            mock server reported them on its traffic channel.
          </p>
          <HttpInspector exchanges={awayTraffic} />
        </div>
      ) : null}
    </li>
  )
}
