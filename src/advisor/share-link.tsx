import { useId, useRef, useState } from 'react'
import { secondaryButton } from './class-names.ts'

/** The recommendation's address, with a copy button that says what happened. */
export function ShareLink({ url }: { url: string }) {
  const inputRef = useRef<HTMLInputElement>(null)
  const [status, setStatus] = useState('')
  const id = useId()

  const selectLink = () => {
    inputRef.current?.focus()
    inputRef.current?.select()
  }

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('No clipboard access')
      await navigator.clipboard.writeText(url)
      setStatus('Link copied. Anyone who opens it sees this recommendation.')
    } catch {
      selectLink()
      setStatus('Your browser blocked copying: the link is selected, press Ctrl+C (⌘C on a Mac).')
    }
  }

  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        Share link
      </label>
      <div className="mt-1 flex flex-col gap-2">
        <input
          ref={inputRef}
          id={id}
          type="text"
          readOnly
          value={url}
          onFocus={(event) => event.currentTarget.select()}
          className="w-full min-w-0 rounded border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-sm text-slate-800 focus-visible:outline-2 focus-visible:outline-sky-700"
        />
        <button type="button" onClick={copy} className={secondaryButton}>
          Copy share link
        </button>
      </div>
      <p role="status" className="mt-1 min-h-5 text-sm text-emerald-800">
        {status}
      </p>
    </div>
  )
}
