/**
 * Advice text with protocol names in backticks (`user_code`), shown as code so a reader can
 * tell a parameter from an ordinary word.
 */
export function RichText({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/)
  return (
    <>
      {parts.map((part, index) =>
        index % 2 === 1 ? (
          <code
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string
            key={index}
            className="rounded bg-slate-100 px-1 py-px font-mono text-[0.9em] text-slate-900 [overflow-wrap:anywhere]"
          >
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  )
}
