import { useEffect, useMemo, useRef } from 'react'
import { Link, useSearchParams } from 'react-router'
import { paths } from '../app/paths.ts'
import { AnswersSummary } from './answers-summary.tsx'
import { secondaryButton, textLink } from './class-names.ts'
import { QuestionStep } from './question-step.tsx'
import {
  type AnswerDraft,
  applicableQuestions,
  hasApp,
  isQuestionKey,
  normalizeAnswers,
  parseAnswers,
  type QuestionKey,
  serializeAnswers,
} from './questions.ts'
import { recommend } from './recommend.ts'
import { RecommendationView } from './recommendation-view.tsx'
import { ShareLink } from './share-link.tsx'

/** The query parameter that says which question is on screen; the answers are the others. */
const stepParam = 'q'

function buildSearch(draft: AnswerDraft, step?: QuestionKey): string {
  const query = serializeAnswers(draft)
  const withStep = step ? [query, `${stepParam}=${step}`].filter(Boolean).join('&') : query
  return withStep ? `?${withStep}` : ''
}

/** Parameters of a hand-edited link that were not understood, so the page can say so. */
function ignoredParameters(params: URLSearchParams, draft: AnswerDraft): string[] {
  const ignored: string[] = []
  for (const [key, value] of params) {
    if (key === stepParam) continue
    const kept = isQuestionKey(key) && draft[key] === value.trim().toLowerCase()
    if (!kept) ignored.push(`${key}=${value}`.slice(0, 60))
  }
  return ignored.slice(0, 5)
}

/**
 * The grant advisor (`/advisor`): one question per screen, then the recommendation. Everything
 * lives in the query string, so Back and Forward work and any result is a link to share.
 */
export function AdvisorPage() {
  const [params, setParams] = useSearchParams()
  const search = params.toString()
  const draft = useMemo(() => parseAnswers(search), [search])
  const asked = applicableQuestions(draft)
  const requested = params.get(stepParam)
  const current =
    asked.find((q) => q.key === requested) ?? (draft.app === undefined ? asked[0] : undefined)
  const recommendation = useMemo(
    () => (current === undefined && hasApp(draft) ? recommend(draft) : undefined),
    [current, draft],
  )
  const ignored = ignoredParameters(params, draft)

  // Move focus to the new question or the result, so keyboard and screen-reader users follow.
  const headingRef = useRef<HTMLHeadingElement>(null)
  const view = current?.key ?? 'result'
  const previousView = useRef(view)
  useEffect(() => {
    if (previousView.current === view) return
    previousView.current = view
    headingRef.current?.focus()
  }, [view])

  useEffect(() => {
    document.title = recommendation
      ? `${recommendation.title} — Advise — Grantlab`
      : 'Find your grant — Advise — Grantlab'
  }, [recommendation])

  const answer = (key: QuestionKey, value: string) => {
    const next = normalizeAnswers({ ...draft, [key]: value })
    const order = applicableQuestions(next)
    const following = order[order.findIndex((q) => q.key === key) + 1]
    setParams(buildSearch(next, following?.key))
  }

  const position = current ? asked.indexOf(current) : -1
  const previous = position > 0 ? asked[position - 1] : undefined
  const shareUrl = `${window.location.origin}${paths.advisor}${buildSearch(draft)}`

  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:py-10">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Find your grant</h1>
          <p className="mt-2 max-w-2xl text-slate-700">
            A few questions about your client, then the OAuth 2.0 grant to use, what to add to it
            and why — each reason with the RFC it comes from.
          </p>
        </div>
        {draft.app !== undefined ? (
          <Link to={paths.advisor} className={secondaryButton}>
            Start over
          </Link>
        ) : null}
      </div>

      {ignored.length > 0 ? (
        <div
          role="note"
          className="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950"
        >
          <p>
            Parts of this link were not understood and were ignored:{' '}
            {ignored.map((item, index) => (
              <span key={item}>
                {index > 0 ? ', ' : ''}
                <code className="break-all font-mono">{item}</code>
              </span>
            ))}
            .
          </p>
        </div>
      ) : null}

      <div className="mt-8 grid items-start gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0">
          {current ? (
            <QuestionStep
              key={current.key}
              question={current}
              draft={draft}
              position={position + 1}
              total={draft.app === undefined ? undefined : asked.length}
              isLast={draft.app !== undefined && position === asked.length - 1}
              headingRef={headingRef}
              onAnswer={(value) => answer(current.key, value)}
              onBack={previous ? () => setParams(buildSearch(draft, previous.key)) : undefined}
            />
          ) : recommendation ? (
            <RecommendationView
              recommendation={recommendation}
              draft={draft}
              headingRef={headingRef}
            />
          ) : null}
        </div>
        {draft.app === undefined ? null : (
          <aside
            className="space-y-4 lg:sticky lg:top-4"
            aria-label={recommendation ? 'Share or change your answers' : 'Your answers so far'}
          >
            {recommendation ? (
              <section
                aria-label="Share this recommendation"
                className="rounded-lg border border-slate-200 bg-white p-5"
              >
                <ShareLink url={shareUrl} />
              </section>
            ) : null}
            <AnswersSummary draft={draft} />
            {recommendation ? (
              <p className="text-sm text-slate-600">
                Want a different answer?{' '}
                <Link to={buildSearch(draft, 'app')} className={textLink}>
                  Go through the questions again
                </Link>
                .
              </p>
            ) : null}
          </aside>
        )}
      </div>
    </div>
  )
}
