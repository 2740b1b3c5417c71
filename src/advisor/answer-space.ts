import { type AnswerDraft, type Answers, choicesFor, questions } from './questions.ts'

/** Every complete set of answers: each applicable question takes each of its offered values. */
export function allAnswerCombinations(): Answers[] {
  const results: Answers[] = []
  const walk = (draft: AnswerDraft, index: number) => {
    const question = questions[index]
    if (!question) {
      results.push(draft as Answers)
      return
    }
    if (!question.appliesWhen(draft)) {
      walk(draft, index + 1)
      return
    }
    for (const choice of choicesFor(question, draft)) {
      walk({ ...draft, [question.key]: choice.value }, index + 1)
    }
  }
  walk({}, 0)
  return results
}
