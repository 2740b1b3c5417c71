import type { Finding } from './checks.ts'
import type { FieldName } from './client-metadata.ts'
import { FieldFindings } from './field-findings.tsx'
import { buttonSecondary, fieldId, hintClass, inputClass } from './ui.ts'

type ListEditorProps = {
  field: FieldName
  legend: string
  itemLabel: string
  hint?: string
  placeholder?: string
  values: string[]
  findings: Finding[]
  onChange: (values: string[]) => void
  extraAction?: { label: string; value: string }
}

/** A list of text inputs with add and remove buttons: redirect URIs, contacts, and the like. */
export function ListEditor(props: ListEditorProps) {
  const { field, legend, itemLabel, hint, placeholder, values, findings, onChange, extraAction } =
    props
  const hintId = `${fieldId(field)}-hint`
  const setAt = (index: number, value: string) =>
    onChange(values.map((current, position) => (position === index ? value : current)))
  return (
    <fieldset className="min-w-0">
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      {hint ? (
        <p id={hintId} className={hintClass}>
          {hint}
        </p>
      ) : null}
      <ul className="mt-2 space-y-2">
        {values.map((value, index) => {
          const own = findings.filter((finding) => finding.index === index)
          const serious = own.some((finding) => finding.severity !== 'info')
          const errorId = `${fieldId(field, index)}-findings`
          return (
            // Entries have no identity beyond their position while the user types.
            // biome-ignore lint/suspicious/noArrayIndexKey: position is the identity here
            <li key={index}>
              <div className="flex gap-2">
                <label htmlFor={fieldId(field, index)} className="sr-only">
                  {`${itemLabel} ${index + 1}`}
                </label>
                <input
                  id={fieldId(field, index)}
                  className={`${inputClass} font-mono`}
                  value={value}
                  placeholder={placeholder}
                  spellCheck={false}
                  autoComplete="off"
                  aria-invalid={serious}
                  aria-describedby={
                    [hint ? hintId : '', own.length > 0 ? errorId : ''].join(' ').trim() ||
                    undefined
                  }
                  onChange={(event) => setAt(index, event.target.value)}
                />
                <button
                  type="button"
                  className={buttonSecondary}
                  aria-label={`Remove ${itemLabel.toLowerCase()} number ${index + 1}`}
                  onClick={() => onChange(values.filter((_, position) => position !== index))}
                >
                  Remove
                </button>
              </div>
              <FieldFindings id={errorId} findings={own} />
            </li>
          )
        })}
      </ul>
      <div className="mt-2 flex flex-wrap gap-2">
        <button
          type="button"
          id={values.length === 0 ? fieldId(field) : undefined}
          className={buttonSecondary}
          onClick={() => onChange([...values, ''])}
        >
          Add {itemLabel.toLowerCase()}
        </button>
        {extraAction && !values.includes(extraAction.value) ? (
          <button
            type="button"
            className={buttonSecondary}
            onClick={() => onChange([...values.filter((value) => value !== ''), extraAction.value])}
          >
            {extraAction.label}
          </button>
        ) : null}
      </div>
      <FieldFindings
        id={`${fieldId(field)}-findings`}
        findings={findings.filter((finding) => finding.index === undefined)}
      />
    </fieldset>
  )
}
