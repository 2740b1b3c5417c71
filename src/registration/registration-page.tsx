// Placeholder route, replaced by the feature's own page.
export function RegistrationPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-semibold">Configure</h1>
    </div>
  )
}
