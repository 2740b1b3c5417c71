import { describe, expect, test } from 'vitest'
import { allAnswerCombinations } from '../advisor/answer-space.ts'
import { questions } from '../advisor/questions.ts'
import { recommend } from '../advisor/recommend.ts'
import { allFlows } from '../flows/all-flows.ts'
import type { Flow } from '../flows/flow-model.ts'
import { runChecks } from '../registration/checks.ts'
import { parseClientMetadata } from '../registration/client-metadata.ts'
import { presets } from '../registration/presets.ts'
import { describeHits, findKnownWrongClaims, knownWrongClaims } from './known-wrong-claims.ts'

describe.each(knownWrongClaims.map((claim) => [claim.id, claim] as const))('%s', (_id, claim) => {
  test.each(claim.wrong.map((sentence) => [sentence]))('catches: %s', (sentence) => {
    expect(findKnownWrongClaims(sentence, [claim]).map((hit) => hit.claim.id)).toEqual([claim.id])
  })
  test.each(claim.right.map((sentence) => [sentence]))('leaves alone: %s', (sentence) => {
    // A right sentence must pass every pattern, not only its own.
    expect(describeHits(findKnownWrongClaims(sentence))).toEqual([])
  })
  test('is documented: a reason, a source, wrong and right examples', () => {
    expect(claim.why.length).toBeGreaterThan(20)
    expect(claim.source.href).toMatch(/^https:\/\//)
    expect(claim.wrong.length).toBeGreaterThan(0)
    expect(claim.right.length).toBeGreaterThan(0)
  })
})

test('the list starts from the spec sheet’s sixteen and the review’s findings', () => {
  const ids = knownWrongClaims.map((claim) => claim.id)
  expect(new Set(ids).size).toBe(ids.length)
  for (let n = 1; n <= 16; n++) expect(ids.some((id) => id.startsWith(`S${n}-`))).toBe(true)
  expect(ids.filter((id) => id.startsWith('R-')).length).toBeGreaterThanOrEqual(12)
})

test('the matcher sees through line breaks and reports where it found the claim', () => {
  const [hit] = findKnownWrongClaims('Careful:\n  slow_down   means you\n double the interval.')
  expect(hit?.claim.id).toBe('S4-slow-down-doubles')
  expect(hit?.excerpt).toContain('slow_down means you double')
})

/** Every string a flow shows before it runs: titles, explanations, choices, presets. */
function flowTexts(flow: Flow): string[] {
  const texts = [flow.title, flow.summary, flow.whenToUse]
  if (flow.deprecated) texts.push(flow.deprecated.reason, flow.deprecated.useInstead?.why ?? '')
  for (const actor of flow.actors) texts.push(actor.label, actor.description)
  for (const spec of flow.specs) texts.push(spec.label)
  for (const step of flow.steps) {
    texts.push(step.title, step.label ?? '', step.explanation, step.spec.label)
    for (const spec of step.moreSpecs ?? []) texts.push(spec.label)
    for (const choice of step.choices ?? []) texts.push(choice.label, choice.description ?? '')
    if (step.input) {
      texts.push(step.input.label, step.input.hint ?? '')
      for (const preset of step.input.presets ?? []) {
        texts.push(preset.label, preset.description ?? '')
      }
    }
  }
  return texts
}

test('no walkthrough text makes a known-wrong claim', () => {
  const hits = allFlows.flatMap((flow) =>
    describeHits(findKnownWrongClaims(flowTexts(flow).join('\n'))).map((h) => `${flow.id} ${h}`),
  )
  expect(hits).toEqual([])
})

test('no advice, for any answers, makes a known-wrong claim', () => {
  const texts = new Set<string>()
  for (const question of questions) {
    texts.add(`${question.question} ${question.hint}`)
    for (const choice of question.choices) texts.add(`${choice.label} ${choice.detail ?? ''}`)
  }
  for (const answers of allAnswerCombinations()) {
    const result = recommend(answers)
    const items = [...result.reasons, ...result.caveats]
    for (const item of items)
      texts.add(`${item.text} ${item.sources.map((s) => s.label).join(' ')}`)
    for (const item of [...result.extras, ...result.alternatives]) {
      texts.add(`${item.title}. ${item.why} ${item.sources.map((s) => s.label).join(' ')}`)
    }
    for (const step of result.migration?.steps ?? []) texts.add(step)
  }
  expect(describeHits(findKnownWrongClaims([...texts].join('\n')))).toEqual([])
})

test('no finding the configuration page shows for the presets and the advisor drafts makes one', () => {
  const drafts = allAnswerCombinations().map((answers) => {
    const parsed = parseClientMetadata(JSON.parse(JSON.stringify(recommend(answers).client)))
    if (!parsed.ok) throw new Error('an advisor draft does not parse')
    return parsed.metadata
  })
  const texts = [...presets.map((preset) => preset.metadata), ...drafts].flatMap((metadata) =>
    runChecks(metadata).map((finding) => `${finding.message} ${finding.fix} ${finding.spec.label}`),
  )
  texts.push(...presets.map((preset) => `${preset.title}: ${preset.summary}`))
  expect(describeHits(findKnownWrongClaims([...new Set(texts)].join('\n')))).toEqual([])
})
