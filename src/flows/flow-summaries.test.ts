import { expect, test } from 'vitest'
import { allFlows } from './all-flows.ts'
import { findFlowSummary, flowSummaries, loadedFlow, loadFlow } from './flow-summaries.ts'

test('the summaries list every flow of the registry, in its order, with its texts', () => {
  expect(flowSummaries.map(({ load: _load, ...summary }) => summary)).toEqual(
    allFlows.map((flow) => ({
      id: flow.id,
      title: flow.title,
      summary: flow.summary,
      whenToUse: flow.whenToUse,
      ...(flow.deprecated ? { deprecated: flow.deprecated } : {}),
      stepCount: flow.steps.length,
      specs: flow.specs,
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
