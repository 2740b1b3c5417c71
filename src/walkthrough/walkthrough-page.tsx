// Placeholder route, replaced by the feature's own page.
export function WalkthroughPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-semibold">Walkthrough</h1>
    </div>
  )
}
