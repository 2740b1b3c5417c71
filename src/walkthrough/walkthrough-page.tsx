import { useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { paths } from '../app/paths.ts'
import { type FlowSummary, findFlowSummary, loadFlow } from '../flows/flow-summaries.ts'
import { afterFirstContentfulPaint } from '../shared/after-first-paint.ts'
import { lazyAfterFirstPaint } from '../shared/lazy-after-first-paint.tsx'
import { UseInstead } from './use-instead.tsx'

/**
 * The steps, the sequence and the server log need the flow's code and the step runner, which weigh
 * more than the rest of the page together: they load once the heading and summary have been
 * painted (docs/decisions/143).
 */
const WalkthroughRun = lazyAfterFirstPaint(
  () => import('./walkthrough-run.tsx').then((module) => module.WalkthroughRun),
  // Room below the heading until the steps are there, so that the footer does not show and then
  // move down (a layout shift).
  <div className="min-h-screen" />,
)

/** The generic walkthrough: renders any flow of the registry at /walkthrough/<id>. */
export function WalkthroughPage() {
  const params = useParams()
  const summary = findFlowSummary(params.flowId)
  if (!summary) {
    return (
      <div className="mx-auto max-w-6xl px-4 py-10">
        <h1 className="text-2xl font-semibold">No such walkthrough</h1>
        <p className="mt-3 text-slate-700">There is no walkthrough called “{params.flowId}”.</p>
        <p className="mt-4">
          <Link className="text-sky-800 underline" to={paths.walkthroughs}>
            See all walkthroughs
          </Link>
        </p>
      </div>
    )
  }
  return (
    <FlowWalkthroughPage
      key={summary.id}
      summary={summary}
      isCallback={params['*'] === 'callback'}
    />
  )
}

/**
 * The heading, summary, deprecation and specs come from the flow's summary, in the page's first
 * render; the flow's own code is fetched after that paint, at the same time as the step runner's.
 */
function FlowWalkthroughPage({
  summary,
  isCallback,
}: {
  summary: FlowSummary
  isCallback: boolean
}) {
  const [actionsSlot, setActionsSlot] = useState<HTMLElement | null>(null)
  useEffect(
    () =>
      afterFirstContentfulPaint(() => {
        // A failure shows when the steps render the flow (the route's error page), not here.
        loadFlow(summary).catch(() => undefined)
      }),
    [summary],
  )
  return (
    <div className="mx-auto max-w-6xl px-4 py-8">
      <p className="text-sm">
        <Link className="text-sky-800 underline" to={paths.walkthroughs}>
          All walkthroughs
        </Link>
      </p>
      <div className="mt-2 flex flex-wrap items-start justify-between gap-4">
        <div className="max-w-3xl">
          <h1 className="text-2xl font-semibold tracking-tight">{summary.title}</h1>
          <p className="mt-2 text-slate-800">{summary.summary}</p>
          <p className="mt-2 text-sm text-slate-700">
            <strong className="font-semibold text-slate-900">When to use it: </strong>
            {summary.whenToUse}
          </p>
          {summary.deprecated ? (
            <p className="mt-2 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-950">
              <strong>Deprecated.</strong> {summary.deprecated.reason} (
              <a className="underline" href={summary.deprecated.spec.href}>
                {summary.deprecated.spec.label}
              </a>
              )
              <UseInstead deprecated={summary.deprecated} />
            </p>
          ) : null}
          <p className="mt-2 text-sm">
            <span className="text-slate-700">Specifications: </span>
            {summary.specs.map((spec, index) => (
              <span key={spec.href}>
                {index > 0 ? ', ' : ''}
                <a
                  className="text-sky-800 underline hover:text-sky-950"
                  href={spec.href}
                  target="_blank"
                  rel="noreferrer"
                >
                  {spec.label}
                </a>
              </span>
            ))}
          </p>
        </div>
        <div ref={setActionsSlot} />
      </div>
      <WalkthroughRun summary={summary} isCallback={isCallback} actionsSlot={actionsSlot} />
    </div>
  )
}
