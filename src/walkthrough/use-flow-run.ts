/**
 * The walkthrough's state machine: which step is next, what each step produced, and whether the
 * browser is away at the authorization server. The run is written to sessionStorage before every
 * change takes effect, so it survives the navigation to the server and back, and a reload. The
 * stored copy of a finished run, or of one idle for an hour, keeps no secrets (run-secrets.ts);
 * the page keeps showing a finished run's values until it is reloaded.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { Destination, Flow } from '../flows/flow-model.ts'
import {
  createRun,
  type FlowRun,
  parseRun,
  type RunOptions,
  recordReturn,
  runNextStep,
} from '../flows/flow-runner.ts'
import { secretsExpireAt, storableRun, withoutSecrets } from '../flows/run-secrets.ts'
import { keepDroppingExpiredSecrets, runStorageKey } from './saved-runs.ts'

function save(run: FlowRun, flow: Flow) {
  try {
    sessionStorage.setItem(runStorageKey(run.flowId), JSON.stringify(storableRun(run, flow)))
  } catch {
    // Storage full or disabled: the walkthrough still works until the page is left.
  }
}

function load(flow: Flow): FlowRun {
  try {
    const saved = parseRun(sessionStorage.getItem(runStorageKey(flow.id)), flow)
    if (!saved) return createRun(flow)
    // Saved before it was due (or by an older version): drop its secrets now.
    const storable = storableRun(saved, flow)
    if (storable !== saved) save(storable, flow)
    return storable
  } catch {
    return createRun(flow)
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

  const commit = useCallback(
    (next: FlowRun) => {
      latest.current = next
      save(next, flow)
      setRun(next)
    },
    [flow],
  )

  useEffect(() => keepDroppingExpiredSecrets(), [])

  // An hour after the last step, the open page lets go of the secrets too, and says so.
  useEffect(() => {
    if (run.secretsDropped) return
    const timer = setTimeout(
      () => {
        const current = latest.current
        if (current.secretsDropped || Date.now() < secretsExpireAt(current)) return
        const finished = current.next >= flow.steps.length
        commit(withoutSecrets(current, finished ? 'finished' : 'expired'))
      },
      Math.max(0, secretsExpireAt(run) - Date.now()),
    )
    return () => clearTimeout(timer)
  }, [run, flow, commit])

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

  const follow = useCallback(
    (destination: Destination) => {
      save(latest.current, flow)
      if (destination.how === 'navigate') window.location.assign(destination.url)
      else if (destination.how === 'new-tab') window.open(destination.url, '_blank', 'noopener')
    },
    [flow],
  )

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
