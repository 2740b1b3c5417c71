import { Link } from 'react-router'
import { textLink } from './class-names.ts'
import {
  type AnswerDraft,
  answerLabel,
  applicableQuestions,
  serializeAnswers,
} from './questions.ts'

/** The answers given so far, each with a link back to its question. */
export function AnswersSummary({ draft }: { draft: AnswerDraft }) {
  const answered = applicableQuestions(draft).filter((q) => draft[q.key] !== undefined)
  if (answered.length === 0) return null
  const query = serializeAnswers(draft)
  return (
    <section
      aria-labelledby="advisor-answers"
      className="rounded-lg border border-slate-200 bg-white p-5"
    >
      <h2 id="advisor-answers" className="text-base font-semibold text-slate-900">
        Your answers
      </h2>
      <dl className="mt-3 space-y-3 text-sm">
        {answered.map((question) => (
          <div key={question.key}>
            <dt className="text-slate-600">{question.question}</dt>
            <dd className="flex flex-wrap items-baseline justify-between gap-x-3">
              <span className="font-medium text-slate-900">
                {answerLabel(question.key, draft[question.key] ?? '', draft)}
              </span>
              <Link
                to={`?${query}&q=${question.key}`}
                className={textLink}
                aria-label={`Change: ${question.question}`}
              >
                Change
              </Link>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  )
}
