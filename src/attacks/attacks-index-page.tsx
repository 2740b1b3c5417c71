import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import { allAttacks } from './all-attacks.ts'

/** Every attack of the lab, with what the attacker wants and the defence that stops it. */
export function AttacksIndexPage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-2xl font-semibold tracking-tight">Attack lab</h1>
      <p className="mt-2 max-w-3xl text-slate-700">
        Each attack runs for real against the mock servers in this browser: a victim’s browser, an
        attacker with his own browser and server, the app and the authorization server. Switch its
        defence off and the attack gets the tokens; switch it on and it fails at the exact check,
        named with its RFC section.
      </p>
      <p className="mt-2 max-w-3xl text-sm text-slate-700">
        Where the defence lives in the server, the attack uses a demo client that stands for a
        server that gets that one rule wrong; it says <strong>WEAKENED</strong> in its name, and no
        other client, the walkthroughs’ included, is affected. The attacker’s server and the
        malicious authorization server are served by the same service worker, at{' '}
        <code className="font-mono">/attacker/</code> and{' '}
        <code className="font-mono">/evil-as</code>; their pages run sandboxed, as another site
        would.
      </p>
      <ul className="mt-6 grid gap-4 md:grid-cols-2">
        {allAttacks.map((attack, index) => (
          <li
            key={attack.id}
            className="flex flex-col rounded-lg border border-slate-200 bg-white p-5"
          >
            <h2 className="text-lg font-semibold">
              <span className="text-slate-600">{index + 1}.</span>{' '}
              <Link
                to={paths.attack(attack.id)}
                className="text-sky-800 underline-offset-2 hover:underline"
              >
                {attack.title}
              </Link>
            </h2>
            <p className="mt-2 text-sm text-slate-800">
              <strong className="font-semibold">The attacker wants: </strong>
              {attack.goal}
            </p>
            <p className="mt-1 text-sm text-slate-800">
              <strong className="font-semibold">{attack.defence.label}</strong>
              {attack.defence.side === 'server' ? ' (in the server)' : ' (in the client)'}
            </p>
            {attack.pending ? (
              <p className="mt-1 text-sm text-amber-950">
                The defence half waits for DPoP: runs with the defence off for now.
              </p>
            ) : null}
            <p className="mt-2 text-xs text-slate-700">
              {attack.steps.length} steps · {attack.specs.map((spec) => spec.label).join(', ')}
            </p>
          </li>
        ))}
      </ul>
    </div>
  )
}
