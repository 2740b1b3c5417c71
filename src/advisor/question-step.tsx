import { type FormEvent, type KeyboardEvent, type RefObject, useId, useRef, useState } from 'react'
import { primaryButton, secondaryButton } from './class-names.ts'
import { type AnswerDraft, choicesFor, type Question } from './questions.ts'

type QuestionStepProps = {
  question: Question
  draft: AnswerDraft
  position: number
  /** Unknown until the kind of app is chosen, since the questions branch on it. */
  total?: number
  isLast: boolean
  headingRef: RefObject<HTMLHeadingElement | null>
  onAnswer: (value: string) => void
  onBack?: () => void
}

/** One question of the wizard: a radio group in a fieldset, its hint, Back and Next. */
export function QuestionStep({
  question,
  draft,
  position,
  total,
  isLast,
  headingRef,
  onAnswer,
  onBack,
}: QuestionStepProps) {
  const choices = choicesFor(question, draft)
  const [selected, setSelected] = useState<string | undefined>(draft[question.key])
  const [error, setError] = useState(false)
  const formRef = useRef<HTMLFormElement>(null)
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (selected === undefined) {
      setError(true)
      formRef.current?.querySelector<HTMLInputElement>('input[type="radio"]')?.focus()
      return
    }
    onAnswer(selected)
  }

  // Enter on a radio button moves on, as it does in a text field.
  const submitOnEnter = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key !== 'Enter') return
    if ((event.target as HTMLElement).getAttribute('type') !== 'radio') return
    event.preventDefault()
    formRef.current?.requestSubmit()
  }

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      onKeyDown={submitOnEnter}
      noValidate
      className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm sm:p-8"
    >
      <p className="text-sm font-medium text-slate-600">
        Question {position}
        {total === undefined ? '' : ` of ${total}`}
      </p>
      <div className="mt-2 flex gap-1" aria-hidden="true">
        {Array.from({ length: total ?? 6 }, (_, index) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: the segments are positions, nothing else
            key={index}
            className={`h-1.5 flex-1 rounded-full ${index < position ? 'bg-sky-700' : 'bg-slate-200'}`}
          />
        ))}
      </div>
      <fieldset
        className="mt-6"
        aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        aria-invalid={error || undefined}
      >
        <legend className="contents">
          <h2
            ref={headingRef}
            tabIndex={-1}
            className="text-xl font-semibold tracking-tight text-slate-900 focus:outline-none sm:text-2xl"
          >
            {question.question}
          </h2>
        </legend>
        <p id={hintId} className="mt-2 text-slate-700">
          {question.hint}
        </p>
        <div className="mt-5 grid gap-2 sm:grid-cols-2">
          {choices.map((choice) => (
            <label
              key={choice.value}
              className="flex cursor-pointer items-start gap-3 rounded-md border border-slate-300 bg-white p-3 hover:border-sky-700 has-[:checked]:border-sky-700 has-[:checked]:bg-sky-50 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-sky-700"
            >
              <input
                type="radio"
                name={question.key}
                value={choice.value}
                checked={selected === choice.value}
                onChange={() => {
                  setSelected(choice.value)
                  setError(false)
                }}
                className="mt-1 size-4 shrink-0 accent-sky-700"
              />
              <span>
                <span className="block font-medium text-slate-900">{choice.label}</span>
                {choice.detail ? (
                  <span className="block text-sm text-slate-600">{choice.detail}</span>
                ) : null}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {error ? (
        <p id={errorId} role="alert" className="mt-3 text-sm font-medium text-red-700">
          Choose one answer to continue.
        </p>
      ) : null}
      <div className="mt-6 flex flex-wrap items-center gap-3">
        <button type="submit" className={primaryButton}>
          {isLast ? 'See my recommendation' : 'Next'}
        </button>
        {onBack ? (
          <button type="button" onClick={onBack} className={secondaryButton}>
            Back
          </button>
        ) : null}
      </div>
    </form>
  )
}
