import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import { findFlowSummary, flowSummaries } from '../flows/flow-summaries.ts'

/**
 * Every walkthrough in the registry, with when to use it; deprecated grants are marked. From the
 * flows' summaries: the page loads none of the flows' code (docs/decisions/092).
 */
export function WalkthroughIndexPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-semibold tracking-tight">Walkthroughs</h1>
      <p className="mt-2 max-w-3xl text-slate-700">
        Run a grant step by step against the mock authorization server in this browser. Each step
        shows its request and response as sent, the tokens decoded, and the spec section it follows.
      </p>
      <p className="mt-2 max-w-3xl text-sm text-slate-700">
        Everything here runs over plain http on your own machine. A real deployment uses TLS for
        every endpoint (RFC 6749 §3.1 and §3.2) and registers no http redirect URI but a native
        app’s loopback one (RFC 9700 §2.6). With no TLS to lean on, every walkthrough that receives
        an ID token verifies its signature itself.
      </p>
      <ul className="mt-6 grid gap-4 md:grid-cols-2">
        {flowSummaries.map((flow) => (
          <li
            key={flow.id}
            className="flex flex-col rounded-lg border border-slate-200 bg-white p-5"
          >
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="text-lg font-semibold">
                <Link
                  to={paths.walkthrough(flow.id)}
                  className="text-sky-800 underline-offset-2 hover:underline"
                >
                  {flow.title}
                </Link>
              </h2>
              {flow.deprecated ? (
                <span className="rounded bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-950">
                  Deprecated
                </span>
              ) : null}
            </div>
            <p className="mt-2 text-sm text-slate-800">
              <strong className="font-semibold">When to use it: </strong>
              {flow.whenToUse}
            </p>
            {flow.deprecated ? (
              <p className="mt-1 text-sm text-amber-950">{flow.deprecated.reason}</p>
            ) : null}
            {flow.deprecated?.useInstead ? (
              <p className="mt-1 text-sm text-slate-800">
                <strong className="font-semibold">Use instead: </strong>
                <Link
                  to={paths.walkthrough(flow.deprecated.useInstead.flowId)}
                  className="text-sky-800 underline hover:text-sky-950"
                >
                  {findFlowSummary(flow.deprecated.useInstead.flowId)?.title ??
                    flow.deprecated.useInstead.flowId}
                </Link>
              </p>
            ) : null}
            <p className="mt-2 text-xs text-slate-700">
              {flow.stepCount} steps · {flow.specs.map((spec) => spec.label).join(', ')}
            </p>
          </li>
        ))}
      </ul>
    </div>
  )
}
