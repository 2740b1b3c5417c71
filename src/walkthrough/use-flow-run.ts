/**
 * The walkthrough's state machine: which step is next, what each step produced, and whether the
 * browser is away at the authorization server. The run is written to sessionStorage before every
 * change takes effect, so it survives the navigation to the server and back, and a reload.
 */
import { useCallback, useRef, useState } from 'react'
import type { Destination, Flow } from '../flows/flow-model.ts'
import {
  createRun,
  type FlowRun,
  parseRun,
  type RunOptions,
  recordReturn,
  runNextStep,
} from '../flows/flow-runner.ts'

export const runStorageKey = (flowId: string) => `grantlab.walkthrough.${flowId}`

function load(flow: Flow): FlowRun {
  try {
    return parseRun(sessionStorage.getItem(runStorageKey(flow.id)), flow) ?? createRun(flow)
  } catch {
    return createRun(flow)
  }
}

function save(run: FlowRun) {
  try {
    sessionStorage.setItem(runStorageKey(run.flowId), JSON.stringify(run))
  } catch {
    // Storage full or disabled: the walkthrough still works until the page is left.
  }
}

export interface FlowRunControls {
  run: FlowRun
  busy: boolean
  /** Runs the next step; resolves with the id of the step that ran. */
  runNext(options?: RunOptions): Promise<string | undefined>
  /** Follows a `navigate` or `new-tab` destination (a `pane` is the page's business). */
  follow(destination: Destination): void
  /** Records the address the browser came back to. False if no step was waiting for it. */
  acceptReturn(url: string): boolean
  startOver(): void
}

export function useFlowRun(flow: Flow): FlowRunControls {
  const [run, setRun] = useState<FlowRun>(() => load(flow))
  const [busy, setBusy] = useState(false)
  // The latest run, for callbacks that must not act on a stale copy (double clicks, Strict Mode).
  const latest = useRef(run)

  const commit = useCallback((next: FlowRun) => {
    latest.current = next
    save(next)
    setRun(next)
  }, [])

  const runNext = useCallback(
    async (options: RunOptions = {}) => {
      const before = latest.current
      const step = flow.steps[before.next]
      if (!step) return undefined
      setBusy(true)
      try {
        const after = await runNextStep(
          flow,
          before,
          {
            transport: (request) => fetch(request),
            appOrigin: window.location.origin,
          },
          options,
        )
        commit(after)
        return step.id
      } finally {
        setBusy(false)
      }
    },
    [flow, commit],
  )

  const follow = useCallback((destination: Destination) => {
    save(latest.current)
    if (destination.how === 'navigate') window.location.assign(destination.url)
    else if (destination.how === 'new-tab') window.open(destination.url, '_blank', 'noopener')
  }, [])

  const acceptReturn = useCallback(
    (url: string) => {
      const current = latest.current
      if (!current.awaitingReturn) return current.returned?.url === url
      commit(recordReturn(current, url))
      return true
    },
    [commit],
  )

  const startOver = useCallback(() => commit(createRun(flow)), [flow, commit])

  return { run, busy, runNext, follow, acceptReturn, startOver }
}
