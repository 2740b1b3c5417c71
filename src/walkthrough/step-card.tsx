import { lazy, type Ref, Suspense, useEffect, useId, useRef, useState } from 'react'
import type {
  Actor,
  Destination,
  FlowData,
  InputContext,
  ShownValue,
  Step,
  StepInput,
  StepInputPreset,
  StepRepeat,
  StepResult,
} from '../flows/flow-model.ts'
import type { HttpExchange } from '../mock-as/traffic.ts'
import { describeDuration } from '../shared/jwt.ts'
import { HttpInspector } from './http-inspector.tsx'
import type { StepState } from './sequence-diagram.tsx'
import { TokenInspector } from './token-inspector.tsx'

// The QR encoder loads with the first QR code (the device walkthrough), not with every
// walkthrough page (docs/decisions/091); its box keeps the code's size meanwhile.
const QrCode = lazy(() => import('./qr-code.tsx').then((module) => ({ default: module.QrCode })))

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

/** One labelled value of a step, formatted (json, url, qr); the attack lab shows its values alike. */
export function ValueView({ value }: { value: ShownValue }) {
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
  } else if (value.format === 'qr') {
    body = (
      <div className="flex flex-wrap items-start gap-3">
        <Suspense fallback={<div className="h-40 w-40 rounded border border-slate-200 bg-white" />}>
          <QrCode value={value.value} label={`QR code of ${value.value}`} />
        </Suspense>
        <span className="min-w-0 flex-1 break-all font-mono text-xs">{value.value}</span>
      </div>
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
      <dt className="min-w-0 text-sm font-medium text-slate-800 [overflow-wrap:anywhere]">
        {value.label}
      </dt>
      <dd className="min-w-0 sm:col-span-3">
        {body}
        {value.note || value.spec ? (
          <p className="mt-0.5 text-xs text-slate-700">
            {value.note}
            {value.note && value.spec ? ' ' : null}
            {value.spec ? (
              <a
                href={value.spec.href}
                className="text-sky-800 underline hover:text-sky-950"
                target="_blank"
                rel="noreferrer"
              >
                {value.spec.label}
              </a>
            ) : null}
          </p>
        ) : null}
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
        {result.values && result.values.length > 0 ? (
          <dl className="mt-2 rounded bg-white px-2">
            {result.values.map((value) => (
              <ValueView key={value.label} value={value} />
            ))}
          </dl>
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
          <div
            className={
              result.tokenLayout === 'side-by-side'
                ? 'mt-1 grid gap-2 md:grid-cols-2'
                : 'mt-1 space-y-2'
            }
          >
            {result.tokens.map((token) => (
              <TokenInspector
                key={token.label}
                token={token}
                narrow={result.tokenLayout === 'side-by-side'}
              />
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

const primaryButton =
  'mt-3 rounded bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 disabled:cursor-not-allowed disabled:bg-slate-400 disabled:text-slate-900'

function Choices({
  step,
  value,
  onChange,
}: {
  step: Step
  value: string | undefined
  onChange(id: string): void
}) {
  const name = useId()
  return (
    <fieldset className="mt-3">
      <legend className="text-sm font-medium text-slate-900">Choose before running</legend>
      <div className="mt-1 space-y-1">
        {step.choices?.map((option) => (
          <label key={option.id} className="flex items-start gap-2 text-sm">
            <input
              type="radio"
              name={name}
              value={option.id}
              checked={value === option.id}
              onChange={() => onChange(option.id)}
              className="mt-1"
            />
            <span>
              <span className="font-medium">{option.label}</span>
              {option.description ? (
                <span className="block text-slate-700">{option.description}</span>
              ) : null}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  )
}

/** The editor of a step with `input`: presets, a labelled text area, and JSON problems. */
function InputEditor({
  input,
  value,
  context,
  onChange,
}: {
  input: StepInput<FlowData>
  value: string
  context: InputContext<FlowData>
  onChange(text: string): void
}) {
  const id = useId()
  const [applied, setApplied] = useState<StepInputPreset<FlowData>>()
  let problem: string | undefined
  if (input.kind === 'json') {
    try {
      JSON.parse(value)
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error)
    }
  }
  const describedBy = [input.hint ? `${id}-hint` : '', problem ? `${id}-problem` : '']
    .filter(Boolean)
    .join(' ')
  return (
    <div className="mt-3 max-w-3xl">
      {input.presets && input.presets.length > 0 ? (
        <fieldset>
          <legend className="text-sm font-medium text-slate-900">Presets</legend>
          <div className="mt-1 flex flex-wrap gap-2">
            {input.presets.map((preset) => (
              <button
                key={preset.label}
                type="button"
                onClick={() => {
                  onChange(preset.value(context))
                  setApplied(preset)
                }}
                className="rounded border border-slate-400 bg-white px-2 py-1 text-xs font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
              >
                {preset.label}
              </button>
            ))}
          </div>
          <p aria-live="polite" className="mt-1 min-h-4 text-xs text-slate-700">
            {applied
              ? `Preset “${applied.label}” applied${applied.description ? `: ${applied.description}` : '.'}`
              : ''}
          </p>
        </fieldset>
      ) : null}
      <label htmlFor={`${id}-text`} className="mt-2 block text-sm font-medium text-slate-900">
        {input.label}
      </label>
      {input.hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-700">
          {input.hint}
        </p>
      ) : null}
      <textarea
        id={`${id}-text`}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        rows={Math.min(18, value.split('\n').length + 1)}
        spellCheck={false}
        aria-describedby={describedBy || undefined}
        aria-invalid={problem ? true : undefined}
        className="mt-1 w-full rounded border border-slate-500 bg-white p-2 font-mono text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-700"
      />
      {problem ? (
        <p id={`${id}-problem`} className="text-xs text-red-800">
          Not valid JSON yet: {problem}
        </p>
      ) : null}
    </div>
  )
}

/** A repeating step (polling): a countdown that runs it again, and a button to run it now. */
function RepeatControls({
  repeat,
  dueAt,
  canRun,
  busy,
  onRun,
}: {
  repeat: StepRepeat
  dueAt: number
  canRun: boolean
  busy: boolean
  /** `automatic` when the countdown ran out, rather than the learner pressing the button. */
  onRun(automatic: boolean): void
}) {
  const [now, setNow] = useState(() => Date.now())
  const firedFor = useRef<number | undefined>(undefined)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [])
  useEffect(() => {
    if (now >= dueAt && canRun && firedFor.current !== dueAt) {
      firedFor.current = dueAt
      onRun(true)
    }
  }, [now, dueAt, canRun, onRun])
  const left = Math.max(0, Math.ceil((dueAt - now) / 1000))
  return (
    <div className="mt-3 flex flex-wrap items-center gap-3">
      <p className="text-sm text-slate-800">
        {busy ? 'Running…' : `${repeat.waitingLabel} in ${describeDuration(left)}`}
      </p>
      <button
        type="button"
        onClick={() => onRun(false)}
        disabled={!canRun}
        className={primaryButton.replace('mt-3 ', '')}
      >
        {repeat.runNowLabel}
      </button>
    </div>
  )
}

export interface StepCardProps {
  step: Step
  index: number
  state: StepState
  actors: Actor[]
  result: StepResult | undefined
  /** Where the step sends the learner next (shown while it is still relevant). */
  destination: Destination | undefined
  /** When the step last finished (ms), for a repeating step's countdown. */
  finishedAt: number | undefined
  /** True for the step that ran last: its HTTP exchanges are unfolded. */
  latest: boolean
  /** Server exchanges made while the browser was away after this step. */
  awayTraffic: HttpExchange[]
  canRun: boolean
  /** The run can no longer go on (its secrets were dropped): show what happened, offer no run. */
  closed?: boolean
  busy: boolean
  /** `automatic` for a repeating step's timed run: the page then leaves the focus alone. */
  onRun(choice?: string, automatic?: boolean, input?: string): void
  onFollow(destination: Destination): void
  resultRef?: Ref<HTMLHeadingElement>
  /** What a step's input editor may read (steps with `input`). */
  inputContext: InputContext<FlowData>
  /** The editor text this step last ran with, if any. */
  recordedInput: string | undefined
}

export function StepCard({
  step,
  index,
  state,
  actors,
  result,
  destination,
  finishedAt,
  awayTraffic,
  canRun,
  closed = false,
  busy,
  onRun,
  onFollow,
  resultRef,
  latest,
  inputContext,
  recordedInput,
}: StepCardProps) {
  const badge = stateBadges[state]
  const from = actors.find((actor) => actor.id === step.from)?.label
  const to = actors.find((actor) => actor.id === step.to)?.label
  const headingId = `step-${step.id}`
  const isCurrent = !closed && (state === 'current' || state === 'failed')
  const [choice, setChoice] = useState(step.choices?.[0]?.id)
  const repeat = isCurrent && result?.status === 'ok' ? result.repeat : undefined
  // The editor's text: filled once when the step becomes current (its initial value may use
  // the clock), kept across failed runs, and forgotten when the walkthrough starts over.
  const [text, setText] = useState<string>()
  const input = step.input as StepInput<FlowData> | undefined
  useEffect(() => {
    if (state === 'pending') setText(undefined)
    else if (input && isCurrent && text === undefined) {
      setText(recordedInput ?? input.initial(inputContext))
    }
  }, [state, input, isCurrent, text, recordedInput, inputContext])
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
      {isCurrent && step.choices && !repeat ? (
        <Choices step={step} value={choice} onChange={setChoice} />
      ) : null}
      {isCurrent && input && !repeat && text !== undefined ? (
        <InputEditor input={input} value={text} context={inputContext} onChange={setText} />
      ) : null}
      {isCurrent && !repeat ? (
        <button
          type="button"
          onClick={() => onRun(choice, false, text)}
          disabled={!canRun || busy}
          aria-describedby={headingId}
          className={primaryButton}
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
      {repeat && finishedAt !== undefined ? (
        <RepeatControls
          repeat={repeat}
          dueAt={finishedAt + repeat.afterSeconds * 1000}
          canRun={canRun && !busy}
          busy={busy}
          onRun={(automatic) => onRun(choice, automatic, text)}
        />
      ) : null}
      {destination ? (
        <div className="mt-3 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <p>
            {destination.how === 'navigate'
              ? 'This tab now leaves the walkthrough; your progress is saved.'
              : destination.how === 'pane'
                ? 'This opens beside the steps, as a second device would.'
                : 'This opens in another tab.'}{' '}
            {destination.hint}
          </p>
          <button
            type="button"
            onClick={() => onFollow(destination)}
            className="mt-2 rounded bg-amber-800 px-4 py-2 font-medium text-white hover:bg-amber-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-amber-800"
          >
            {destination.label}
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
