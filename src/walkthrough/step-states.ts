import type { Flow } from '../flows/flow-model.ts'
import type { FlowRun } from '../flows/flow-runner.ts'
import type { StepState } from './sequence-diagram.tsx'

/** Where each step stands, for the diagram and the step list. */
export function stepStates(flow: Flow, run: FlowRun): StepState[] {
  return flow.steps.map((step, index) => {
    if (index < run.next) return 'done'
    if (index > run.next) return 'pending'
    if (run.awaitingReturn) return 'waiting'
    return run.records[step.id]?.result.status === 'error' ? 'failed' : 'current'
  })
}
