/**
 * The attack page's state: the run in progress (reported after every change), and the pause
 * between steps the learner can ask for. Nothing is saved: a run takes seconds, and the servers'
 * state it works on lives in the worker's IndexedDB, so a stopped worker does not disturb it.
 */
import { type RefObject, useCallback, useRef, useState } from 'react'
import type { Attack, BrowserPage } from './attack-model.ts'
import { type AttackRun, runAttack } from './attack-runner.ts'
import { createFrameUserAgent } from './frame-user-agent.ts'
import { createFetchUserAgent } from './user-agents.ts'

export interface AttackRunControls {
  run: AttackRun | undefined
  busy: boolean
  /** The step after which the run waits for `resume`, when pausing. */
  pausedAfter: string | undefined
  /** Where the victim's browser is, as far as this page can tell. */
  victimPage: BrowserPage | undefined
  start(options: { defence: boolean; pauseAfterEachStep: boolean }): Promise<void>
  resume(): void
}

export function useAttackRun(
  attack: Attack,
  frame: RefObject<HTMLIFrameElement | null>,
): AttackRunControls {
  const [run, setRun] = useState<AttackRun>()
  const [busy, setBusy] = useState(false)
  const [pausedAfter, setPausedAfter] = useState<string>()
  const [victimPage, setVictimPage] = useState<BrowserPage>()
  const resumeRef = useRef<(() => void) | undefined>(undefined)

  const start = useCallback(
    async ({ defence, pauseAfterEachStep }: { defence: boolean; pauseAfterEachStep: boolean }) => {
      setBusy(true)
      setRun(undefined)
      try {
        await runAttack(attack, defence, {
          transport: (request) => fetch(request),
          appOrigin: window.location.origin,
          victim: createFrameUserAgent(() => frame.current, setVictimPage),
          attacker: createFetchUserAgent(),
          onProgress: setRun,
          afterStep: pauseAfterEachStep
            ? (stepId) =>
                new Promise<void>((resolve) => {
                  setPausedAfter(stepId)
                  resumeRef.current = () => {
                    resumeRef.current = undefined
                    setPausedAfter(undefined)
                    resolve()
                  }
                })
            : undefined,
        })
      } finally {
        setBusy(false)
        setPausedAfter(undefined)
      }
    },
    [attack, frame],
  )

  const resume = useCallback(() => resumeRef.current?.(), [])

  return { run, busy, pausedAfter, victimPage, start, resume }
}
