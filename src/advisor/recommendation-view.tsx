import type { ReactNode, RefObject } from 'react'
import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import { draftLink } from '../registration/draft-link.ts'
import { primaryButton, secondaryButton, textLink } from './class-names.ts'
import { type AnswerDraft, answerLabel, findQuestion, serializeAnswers } from './questions.ts'
import type { Recommendation } from './recommend.ts'
import { RichText } from './rich-text.tsx'
import type { ExtraLevel } from './rules.ts'
import { SourceLinks } from './source-links.tsx'

const levelStyle: Record<ExtraLevel, { label: string; className: string }> = {
  required: { label: 'Required', className: 'bg-sky-100 text-sky-900 ring-sky-700/30' },
  recommended: {
    label: 'Recommended',
    className: 'bg-emerald-100 text-emerald-900 ring-emerald-700/30',
  },
  optional: { label: 'Optional', className: 'bg-slate-100 text-slate-800 ring-slate-500/30' },
}

const authLabel = {
  none: 'none — a public client has no secret',
  client_secret_basic: 'client_secret_basic — a secret the server issues',
  private_key_jwt: 'private_key_jwt — a JWT signed with your key',
} as const

const migrationTitle = {
  implicit: 'Moving off the implicit grant',
  password: 'Moving off the password grant',
} as const

type RecommendationViewProps = {
  recommendation: Recommendation
  /** The answers as given (the recommendation fills in the rest). */
  draft: AnswerDraft
  headingRef: RefObject<HTMLHeadingElement | null>
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section
      aria-labelledby={id}
      className="rounded-lg border border-slate-200 bg-white p-5 sm:p-6"
    >
      <h3 id={id} className="text-lg font-semibold text-slate-900">
        {title}
      </h3>
      {children}
    </section>
  )
}

/** The advice: grant, extras, reasons, losing alternatives, migration and the draft client. */
export function RecommendationView({ recommendation, draft, headingRef }: RecommendationViewProps) {
  const { client, situation } = recommendation
  const configureLink = draftLink(client)
  const walkthroughLink = paths.walkthrough(recommendation.walkthroughId)
  const required = recommendation.extras.filter((e) => e.level === 'required')
  // Recommended extras that are client metadata: the draft leaves them for the user to switch on.
  const switchable = recommendation.extras.filter(
    (e) => e.level === 'recommended' && (e.id === 'dpop' || e.id === 'private-key-jwt'),
  )
  const firstAssumed = recommendation.assumed[0]

  return (
    <div className="space-y-6">
      <section
        aria-labelledby="advisor-result"
        className="rounded-lg border border-sky-200 bg-white p-5 shadow-sm sm:p-8"
      >
        <p className="text-sm font-medium uppercase tracking-wide text-sky-800">Use this grant</p>
        <h2
          id="advisor-result"
          ref={headingRef}
          tabIndex={-1}
          className="mt-1 text-2xl font-semibold tracking-tight text-slate-900 focus:outline-none sm:text-3xl"
        >
          {recommendation.title}
        </h2>
        {recommendation.caveats.length > 0 ? (
          <div className="mt-4 rounded-md border border-amber-400 bg-amber-50 p-3 text-sm text-amber-950">
            <p className="font-semibold">What this client cannot be</p>
            <ul className="mt-1 space-y-1">
              {recommendation.caveats.map((caveat) => (
                <li key={caveat.text}>
                  <RichText text={caveat.text} /> <SourceLinks sources={caveat.sources} />
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {required.length > 0 ? (
          <div className="mt-3">
            <p className="sr-only">Required with it:</p>
            <ul className="flex flex-wrap gap-2">
              {required.map((extra) => (
                <li
                  key={extra.id}
                  className="rounded-full bg-sky-100 px-2.5 py-0.5 text-sm font-medium text-sky-900"
                >
                  {extra.title}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <dl className="mt-4 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-600">grant_type</dt>
          <dd>
            <code className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-900">
              {recommendation.grant}
            </code>
          </dd>
          <dt className="text-slate-600">Client type</dt>
          <dd className="text-slate-900">
            {recommendation.clientKind === 'public' ? 'Public' : 'Confidential'} ·{' '}
            {answerLabel('app', situation.app)}
          </dd>
          <dt className="text-slate-600">Client authentication</dt>
          <dd className="text-slate-900">{authLabel[client.token_endpoint_auth_method]}</dd>
        </dl>
        <div className="mt-6 flex flex-wrap gap-3">
          <Link to={configureLink} className={primaryButton}>
            Open this client in Configure
          </Link>
          <Link to={walkthroughLink} className={secondaryButton}>
            Walk through this grant
          </Link>
        </div>
      </section>

      {firstAssumed ? (
        <div className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
          <p className="font-medium">Some questions are still open, so this advice assumes:</p>
          <ul className="mt-2 list-disc space-y-1 pl-5">
            {recommendation.assumed.map((a) => (
              <li key={a.key}>
                {findQuestion(a.key)?.question} <strong>{a.label}</strong>
              </li>
            ))}
          </ul>
          <p className="mt-2">
            <Link to={`?${serializeAnswers(draft)}&q=${firstAssumed.key}`} className={textLink}>
              Answer the open questions
            </Link>
          </p>
        </div>
      ) : null}

      {recommendation.migration ? (
        <Section id="advisor-migration" title={migrationTitle[recommendation.migration.from]}>
          <ol className="mt-3 list-decimal space-y-2 pl-5 text-slate-800">
            {recommendation.migration.steps.map((step) => (
              <li key={step}>
                <RichText text={step} />
              </li>
            ))}
          </ol>
          <p className="mt-3">
            <SourceLinks sources={recommendation.migration.sources} />
          </p>
        </Section>
      ) : null}

      <Section id="advisor-extras" title="Add these">
        <ul className="mt-3 divide-y divide-slate-200">
          {recommendation.extras.map((extra) => {
            const level = levelStyle[extra.level]
            return (
              <li key={extra.id} className="py-4 first:pt-1 last:pb-0">
                <div className="flex flex-wrap items-center gap-2">
                  <h4 className="font-semibold text-slate-900">{extra.title}</h4>
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${level.className}`}
                  >
                    {level.label}
                  </span>
                </div>
                <p className="mt-1 text-slate-700">
                  <RichText text={extra.why} />
                </p>
                <p className="mt-1">
                  <SourceLinks sources={extra.sources} />
                </p>
              </li>
            )
          })}
        </ul>
      </Section>

      <Section id="advisor-reasons" title="Why this grant">
        <ul className="mt-3 space-y-3">
          {recommendation.reasons.map((reason) => (
            <li key={reason.text} className="text-slate-800">
              <RichText text={reason.text} /> <SourceLinks sources={reason.sources} />
            </li>
          ))}
        </ul>
      </Section>

      <Section id="advisor-alternatives" title="Why not the others">
        <ul className="mt-3 divide-y divide-slate-200">
          {recommendation.alternatives.map((alternative) => (
            <li key={alternative.grant} className="py-4 first:pt-1 last:pb-0">
              <h4 className="font-semibold text-slate-900">
                {alternative.title}{' '}
                <code className="break-all font-mono text-xs font-normal text-slate-600">
                  {alternative.grant}
                </code>
              </h4>
              <p className="mt-1 text-slate-700">
                <RichText text={alternative.why} />
              </p>
              <p className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
                <SourceLinks sources={alternative.sources} />
                <Link
                  to={paths.walkthrough(alternative.walkthroughId)}
                  className={`text-sm ${textLink}`}
                  aria-label={`See ${alternative.title} run`}
                >
                  See it run
                </Link>
              </p>
            </li>
          ))}
        </ul>
      </Section>

      <Section id="advisor-client" title="Draft client registration (RFC 7591)">
        <p className="mt-2 text-sm text-slate-700">
          Example values: replace the URIs with yours. The server issues the client secret; a
          private key never leaves your client. The draft carries what is required
          {switchable.length > 0
            ? `; the recommended ${switchable.map((e) => e.title).join(' and ')} are yours to switch on in Configure once your server supports them`
            : ''}
          .
        </p>
        <pre className="mt-3 whitespace-pre-wrap rounded-md bg-slate-900 p-4 text-sm leading-relaxed text-slate-100 [overflow-wrap:anywhere]">
          <code>{JSON.stringify(client, null, 2)}</code>
        </pre>
        <div className="mt-4 flex flex-wrap gap-3">
          <Link to={configureLink} className={secondaryButton}>
            Edit this draft in Configure
          </Link>
        </div>
      </Section>
    </div>
  )
}
