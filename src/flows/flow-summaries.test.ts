import { expect, test } from 'vitest'
import { allFlows } from './all-flows.ts'
import { findFlowSummary, flowSummaries, loadedFlow, loadFlow } from './flow-summaries.ts'

test('the summaries list every flow of the registry, in its order, with its texts', () => {
  expect(
    flowSummaries.map(({ load: _load, ...summary }) => ({
      ...summary,
      deprecated: summary.deprecated && { ...summary.deprecated },
    })),
  ).toEqual(
    allFlows.map((flow) => ({
      id: flow.id,
      title: flow.title,
      whenToUse: flow.whenToUse,
      deprecated: flow.deprecated && {
        reason: flow.deprecated.reason,
        ...(flow.deprecated.useInstead ? { useInstead: flow.deprecated.useInstead.flowId } : {}),
      },
      stepCount: flow.steps.length,
      specLabels: flow.specs.map((spec) => spec.label),
    })),
  )
})

test.each(allFlows.map((flow) => [flow.id, flow] as const))(
  'the summary of %s loads that very flow, once',
  async (id, flow) => {
    const summary = findFlowSummary(id)
    if (!summary) throw new Error(`no summary for ${id}`)
    expect(loadedFlow(id)).toBeUndefined()
    const first = loadFlow(summary)
    expect(loadFlow(summary)).toBe(first)
    expect(await first).toBe(flow)
    expect(loadedFlow(id)).toBe(flow)
  },
)

test('an unknown walkthrough has no summary', () => {
  expect(findFlowSummary('nope')).toBeUndefined()
  expect(findFlowSummary(undefined)).toBeUndefined()
})
