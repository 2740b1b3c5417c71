import { useEffect } from 'react'
import { useParams } from 'react-router'
import { findAttack } from './all-attacks.ts'
import { renderedMarker } from './frame-user-agent.ts'

/**
 * The redirect URI of the attack lab's apps, `/attacks/<id>/callback`: the page the victim's (or
 * the attacker's) browser lands on. The attack's client code reads its address from the frame.
 * Some attacks' apps embed a third-party analytics script here, as many sites do; it reports the
 * page's address, query and fragment included, to its owner, the attacker (docs/decisions/127).
 */
export function AttackCallbackPage() {
  const { attackId } = useParams()
  const attack = findAttack(attackId)
  const embedsScript = attack?.callbackEmbedsThirdPartyScript === true
  useEffect(() => {
    document.title = 'Signed in · Attack lab app'
    // The victim's browser (frame-user-agent.ts) takes the page as loaded from here on.
    document.documentElement.dataset[renderedMarker] = 'rendered'
    if (!embedsScript) return
    const script = document.createElement('script')
    script.src = '/attacker/analytics.js'
    document.body.append(script)
    return () => script.remove()
  }, [embedsScript])
  return (
    <main className="p-4 text-sm text-slate-900">
      <h1 className="text-base font-semibold">
        {attack?.title ?? 'Attack lab'}: the app’s callback
      </h1>
      <p className="mt-2">
        The app’s redirect URI. The authorization server sent the browser here, with the response in
        this page’s address:
      </p>
      <p className="mt-1 break-all font-mono text-xs">{window.location.href}</p>
      {embedsScript ? (
        <p className="mt-2 text-slate-700">
          This page embeds a third-party analytics script (
          <code className="font-mono">/attacker/analytics.js</code>) that reports every address it
          runs on to its owner.
        </p>
      ) : null}
    </main>
  )
}
