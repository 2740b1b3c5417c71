/**
 * A walkthrough's steps, sequence and server log: the part of the page that needs the flow's code
 * and the step runner. The page (walkthrough-page.tsx) draws the heading and summary first and
 * loads this after its first paint (docs/decisions/143).
 */
import { use, useEffect, useState } from 'react'
import { createPortal } from 'react-dom'
import { useNavigate } from 'react-router'
import { paths } from '../app/paths.ts'
import type { Destination, Flow, FlowData, InputContext } from '../flows/flow-model.ts'
import { issuerFor } from '../flows/flow-runner.ts'
import { type FlowSummary, loadedFlow, loadFlow } from '../flows/flow-summaries.ts'
import { useMockServerState } from '../mock-as/mock-server-status.tsx'
import type { MockServerState } from '../mock-as/register.ts'
import { HttpInspector } from './http-inspector.tsx'
import { SequenceDiagram } from './sequence-diagram.tsx'
import { StepCard } from './step-card.tsx'
import { stepStates } from './step-states.ts'
import { useFlowRun } from './use-flow-run.ts'
import { UseInstead } from './use-instead.tsx'
import { useServerTraffic } from './use-server-traffic.ts'

/** The flow's code is fetched once; if it cannot be, the route shows its error page. */
export function WalkthroughRun({
  summary,
  isCallback,
  actionsSlot,
}: {
  summary: FlowSummary
  isCallback: boolean
  actionsSlot: HTMLElement | null
}) {
  const flow = loadedFlow(summary.id) ?? use(loadFlow(summary))
  return <FlowWalkthrough flow={flow} isCallback={isCallback} actionsSlot={actionsSlot} />
}

function MockServerNotice({ state }: { state: MockServerState }) {
  if (state === 'ready') return null
  if (state === 'starting') {
    // Floats above the page instead of pushing it down: on a first visit it goes within a second,
    // and content that jumps up when it goes is a layout shift (docs/decisions/091).
    return (
      <p className="fixed inset-x-4 bottom-4 z-10 mx-auto max-w-md rounded border border-slate-300 bg-slate-50 p-3 text-sm text-slate-800 shadow">
        Starting the mock authorization server…
      </p>
    )
  }
  const message =
    state === 'uncontrolled'
      ? 'The mock authorization server is not in control of this page, which happens after a hard reload (Shift+Reload). Reload the page normally to bring it back.'
      : state === 'unsupported'
        ? 'This browser does not offer service workers here (a private window may disable them), so the mock authorization server cannot run and the steps cannot reach it.'
        : 'The mock authorization server failed to start, so the steps cannot reach it. Try reloading the page.'
  return (
    <div
      role="alert"
      className="mt-4 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900"
    >
      <p className="font-semibold">The mock server is not running</p>
      <p className="mt-1">{message}</p>
      <button
        type="button"
        onClick={() => window.location.reload()}
        className="mt-2 rounded bg-red-800 px-3 py-1.5 font-medium text-white hover:bg-red-900"
      >
        Reload the page
      </button>
    </div>
  )
}

function FlowWalkthrough({
  flow,
  isCallback,
  actionsSlot,
}: {
  flow: Flow
  isCallback: boolean
  actionsSlot: HTMLElement | null
}) {
  const { run, busy, runNext, follow, acceptReturn, startOver } = useFlowRun(flow)
  const navigate = useNavigate()
  const serverState = useMockServerState()
  const traffic = useServerTraffic(run.startedAt)
  const [announcement, setAnnouncement] = useState('')
  const [focusRequest, setFocusRequest] = useState<{ id: string; at: number }>()
  const [pane, setPane] = useState<Destination>()

  // The authorization server sent the browser back here: keep the address, then tidy the URL
  // (the code should not linger in the address bar or the history).
  useEffect(() => {
    if (!isCallback) return
    const accepted = acceptReturn(window.location.href)
    setAnnouncement(
      accepted
        ? 'The browser is back from the authorization server. Run the next step to check what it brought.'
        : 'The browser came back to this walkthrough, but no step was waiting for it. Start over to run the flow again.',
    )
    navigate(paths.walkthrough(flow.id), { replace: true })
  }, [isCallback, acceptReturn, navigate, flow.id])

  // After a step runs its button disappears; move focus to what replaced it, not to <body>.
  useEffect(() => {
    if (focusRequest) document.getElementById(focusRequest.id)?.focus()
  }, [focusRequest])

  const latestStepId = Object.entries(run.records).reduce<[string, number] | undefined>(
    (latest, [id, record]) =>
      latest && latest[1] >= record.finishedAt ? latest : [id, record.finishedAt],
    undefined,
  )?.[0]
  const finished = run.next >= flow.steps.length
  // An hour after its last step, an unfinished run lost its secrets: it can be read, not resumed.
  const closed = run.secretsDropped !== undefined && !finished
  // A closed run has no next step: what would have run next shows as not run.
  const states = stepStates(flow, run).map((state) =>
    closed && state === 'current' ? 'pending' : state,
  )
  const inputContext: InputContext<FlowData> = {
    data: run.data,
    appOrigin: window.location.origin,
    issuer: issuerFor(window.location.origin),
    now: Date.now,
  }

  function onFollow(destination: Destination) {
    if (destination.how === 'pane') {
      setPane(destination)
      setFocusRequest({ id: 'pane-heading', at: Date.now() })
    } else follow(destination)
  }

  async function onRun(choice?: string, automatic = false, input?: string) {
    const stepId = await runNext({ choice, input })
    // A timed re-run (polling) must not pull the focus away from what the learner is doing,
    // e.g. typing in the phone pane.
    if (!stepId || automatic) return
    setAnnouncement('')
    setFocusRequest({ id: `step-${stepId}-result`, at: Date.now() })
  }

  function onStartOver() {
    startOver()
    setPane(undefined)
    setAnnouncement('Started over: every step is back to not run.')
    setFocusRequest({ id: `step-${flow.steps[0]?.id}`, at: Date.now() })
  }

  // "Start over" sits beside the heading, which the page drew before this code arrived.
  const startOverButton = (
    <button
      type="button"
      onClick={onStartOver}
      className="rounded border border-slate-400 bg-white px-3 py-2 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
    >
      Start over
    </button>
  )

  return (
    <>
      {actionsSlot ? createPortal(startOverButton, actionsSlot) : startOverButton}
      <MockServerNotice state={serverState} />
      {closed ? (
        <div className="mt-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <h2 className="font-semibold">This run’s tokens and keys are gone</h2>
          <p className="mt-1">
            Its last step ran over an hour ago, so this tab dropped the run’s tokens, keys and
            secrets from its storage. What happened stays below, with those values shown as{' '}
            <code className="font-mono">[redacted]</code>. Start over to run the flow again.
          </p>
        </div>
      ) : null}
      <p
        aria-live="polite"
        className={
          announcement
            ? 'mt-4 rounded border border-sky-300 bg-sky-50 p-3 text-sm text-sky-950'
            : 'sr-only'
        }
      >
        {announcement}
      </p>

      <section aria-labelledby="diagram-heading" className="mt-6">
        <h2 id="diagram-heading" className="text-xl font-semibold">
          Sequence
        </h2>
        <div className="mt-2">
          <SequenceDiagram flow={flow} states={states} />
        </div>
      </section>

      <section aria-labelledby="steps-heading" className="mt-8">
        <h2 id="steps-heading" className="text-xl font-semibold">
          Steps
        </h2>
        <div className={pane ? 'mt-3 gap-4 lg:grid lg:grid-cols-[minmax(0,1fr)_400px]' : 'mt-3'}>
          <ol className="space-y-4">
            {flow.steps.map((step, index) => {
              const record = run.records[step.id]
              const result = record?.result
              const waitingHere = run.awaitingReturn?.stepId === step.id
              const returnedHere = run.returned?.stepId === step.id ? run.returned : undefined
              const awayTraffic = returnedHere
                ? traffic.filter(
                    (exchange) =>
                      exchange.startedAt >= (returnedHere.leftAt ?? 0) &&
                      exchange.startedAt <= returnedHere.at,
                  )
                : []
              return (
                <StepCard
                  key={step.id}
                  step={step}
                  index={index}
                  state={states[index] ?? 'pending'}
                  actors={flow.actors}
                  result={result}
                  destination={
                    result?.status === 'ok' &&
                    result.destination &&
                    (result.destination.how !== 'navigate' || waitingHere)
                      ? result.destination
                      : undefined
                  }
                  finishedAt={record?.finishedAt}
                  awayTraffic={awayTraffic}
                  latest={step.id === latestStepId}
                  canRun={serverState === 'ready'}
                  closed={closed}
                  busy={busy}
                  onRun={onRun}
                  onFollow={onFollow}
                  inputContext={inputContext}
                  recordedInput={record?.input}
                />
              )
            })}
          </ol>
          {pane ? (
            <aside aria-labelledby="pane-heading" className="mt-4 lg:mt-0">
              <div className="rounded-lg border border-slate-300 bg-white p-3 lg:sticky lg:top-4">
                <div className="flex items-center justify-between gap-2">
                  <h3 id="pane-heading" tabIndex={-1} className="font-semibold">
                    {pane.paneTitle ?? 'Second device'}
                  </h3>
                  <button
                    type="button"
                    onClick={() => setPane(undefined)}
                    className="rounded border border-slate-400 px-2 py-1 text-xs hover:bg-slate-100"
                  >
                    Close
                  </button>
                </div>
                <iframe
                  src={pane.url}
                  title={pane.paneTitle ?? 'Second device'}
                  className="mt-2 h-[560px] w-full rounded border border-slate-200"
                />
                <p className="mt-1 break-all text-xs text-slate-700">{pane.url}</p>
              </div>
            </aside>
          ) : null}
        </div>
        {finished ? (
          <div className="mt-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
            <h3 className="font-semibold text-emerald-950">Walkthrough complete</h3>
            <p className="mt-1 text-sm text-emerald-950">
              Every step ran. Read back through the requests and tokens above, or start over to run
              the flow again with fresh values.
            </p>
            <p className="mt-1 text-sm text-emerald-950">
              This tab keeps no token, key or secret of a finished run: after a reload, the requests
              and tokens above show them as <code className="font-mono">[redacted]</code>.
            </p>
            {flow.deprecated?.useInstead ? (
              <p className="mt-2 text-sm text-emerald-950">
                <UseInstead deprecated={flow.deprecated} />
              </p>
            ) : null}
          </div>
        ) : null}
      </section>

      <section aria-labelledby="server-log-heading" className="mt-8">
        <h2 id="server-log-heading" className="text-xl font-semibold">
          Server log
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          Everything the mock server answered since this run started, as it reported it on its
          traffic channel — including the pages the browser visited, which the client code never
          sees.
        </p>
        {traffic.length === 0 ? (
          <p className="mt-2 text-sm text-slate-700">Nothing yet.</p>
        ) : (
          <HttpInspector exchanges={traffic} headingLevel={3} />
        )}
      </section>
    </>
  )
}
