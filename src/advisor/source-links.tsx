import type { Source } from './sources.ts'

/** The sources of one statement, as links a reader can follow to check it. */
export function SourceLinks({ sources }: { sources: readonly Source[] }) {
  return (
    <span className="text-sm text-slate-600">
      {sources.map((source, index) => (
        <span key={source.href}>
          {index > 0 ? ', ' : ''}
          <a
            href={source.href}
            className="text-sky-800 underline decoration-sky-800/40 underline-offset-2 hover:decoration-sky-800"
          >
            {source.label}
          </a>
        </span>
      ))}
    </span>
  )
}
