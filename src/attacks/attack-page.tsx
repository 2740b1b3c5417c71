import { useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import { paths } from '../app/paths.ts'
import { useMockServerState } from '../mock-as/mock-server-status.tsx'
import type { SpecRef } from '../shared/spec-links.ts'
import { HttpInspector } from '../walkthrough/http-inspector.tsx'
import { SequenceDiagram, type StepState } from '../walkthrough/sequence-diagram.tsx'
import { ValueView } from '../walkthrough/step-card.tsx'
import { TokenInspector } from '../walkthrough/token-inspector.tsx'
import { useServerTraffic } from '../walkthrough/use-server-traffic.ts'
import { findAttack } from './all-attacks.ts'
import type { Attack, AttackOutcome, AttackStep, BrowserPage } from './attack-model.ts'
import type { AttackRun, AttackStepRecord } from './attack-runner.ts'
import { useAttackRun } from './use-attack-run.ts'

/** The generic attack page: renders any attack of the registry at /attacks/<id>. */
export function AttackPage() {
  const { attackId } = useParams()
  const attack = findAttack(attackId)
  if (!attack) {
    return (
      <div className="mx-auto max-w-6xl px-4 py-10">
        <h1 className="text-2xl font-semibold">No such attack</h1>
        <p className="mt-3 text-slate-700">There is no attack called “{attackId}”.</p>
        <p className="mt-4">
          <Link className="text-sky-800 underline" to={paths.attacks}>
            See all attacks
          </Link>
        </p>
      </div>
    )
  }
  return <AttackLab key={attack.id} attack={attack} />
}

function SpecLinks({ specs }: { specs: SpecRef[] }) {
  return (
    <>
      {specs.map((spec, index) => (
        <span key={spec.href}>
          {index > 0 ? ', ' : ''}
          <a
            className="text-sky-800 underline hover:text-sky-950"
            href={spec.href}
            target="_blank"
            rel="noreferrer"
          >
            {spec.label}
          </a>
        </span>
      ))}
    </>
  )
}

const stateBadges: Record<StepState, { text: string; className: string }> = {
  done: { text: 'Done', className: 'bg-emerald-100 text-emerald-900' },
  current: { text: 'Running', className: 'bg-sky-100 text-sky-900' },
  failed: { text: 'Stopped here', className: 'bg-red-100 text-red-900' },
  waiting: { text: 'Paused', className: 'bg-amber-100 text-amber-900' },
  pending: { text: 'Not reached', className: 'bg-slate-100 text-slate-800' },
}

function stateOf(record: AttackStepRecord | undefined): StepState {
  if (!record) return 'pending'
  if (record.status === 'running') return 'current'
  if (record.status === 'done') return 'done'
  return 'failed'
}

/** What the status region says: the contract's words once the run is over (issue 11). */
function statusText(
  attack: Attack,
  run: AttackRun | undefined,
  busy: boolean,
  pausedAfter: string | undefined,
): string {
  const outcome = run?.outcome
  if (outcome?.status === 'succeeded') return `The attack succeeded. ${outcome.summary}`
  if (outcome?.status === 'stopped') {
    const { check, spec, by } = outcome.stoppedAt
    return `The attack was stopped by the ${by}, at the ${check} check (${spec.label}).`
  }
  if (outcome?.status === 'error') return `The attack could not be played: ${outcome.summary}`
  if (pausedAfter) {
    const index = attack.steps.findIndex((step) => step.id === pausedAfter)
    return `Paused after step ${index + 1}: ${attack.steps[index]?.title}. Continue when you are ready.`
  }
  if (busy) {
    const running = run?.records.at(-1)
    const index = attack.steps.findIndex((step) => step.id === running?.stepId)
    return running ? `Running step ${index + 1} of ${attack.steps.length}…` : 'Starting…'
  }
  return 'Not run yet.'
}

function StepItem({
  step,
  index,
  attack,
  record,
}: {
  step: AttackStep
  index: number
  attack: Attack
  record: AttackStepRecord | undefined
}) {
  const state = stateOf(record)
  const badge = stateBadges[state]
  const label = (id: string) => attack.actors.find((actor) => actor.id === id)
  const from = label(step.from)
  const to = label(step.to)
  const headingId = `step-${step.id}`
  return (
    <li
      aria-labelledby={headingId}
      className={`rounded-lg border bg-white p-4 ${state === 'failed' ? 'border-red-500 ring-1 ring-red-500' : 'border-slate-200'}`}
    >
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h3 id={headingId} className="font-semibold">
          <span className="text-slate-600">{index + 1}.</span> {step.title}
        </h3>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${badge.className}`}>
          {badge.text}
        </span>
        <span
          className={`text-xs ${from?.attacker ? 'font-medium text-fuchsia-900' : 'text-slate-700'}`}
        >
          {from?.id === to?.id ? from?.label : `${from?.label} → ${to?.label}`}
        </span>
      </div>
      <p className="mt-2 max-w-3xl text-sm text-slate-800">{step.explanation}</p>
      {step.spec ? (
        <p className="mt-1 text-sm">
          <span className="text-slate-700">Spec: </span>
          <SpecLinks specs={[step.spec]} />
        </p>
      ) : null}
      {record?.summary ? <p className="mt-2 text-sm font-medium">{record.summary}</p> : null}
      {record?.error ? (
        <div
          className={`mt-2 rounded border p-2 text-sm ${record.status === 'stopped' ? 'border-red-300 bg-red-50 text-red-900' : 'border-amber-300 bg-amber-50 text-amber-950'}`}
        >
          <p>{record.error.message}</p>
          {record.error.code ? (
            <p className="mt-1">
              Error code: <code className="font-mono">{record.error.code}</code>
            </p>
          ) : null}
          {record.error.detail ? <p className="mt-1 break-all">{record.error.detail}</p> : null}
        </div>
      ) : null}
      {record && record.values.length > 0 ? (
        <dl className="mt-2">
          {record.values.map((value) => (
            <ValueView key={value.label} value={value} />
          ))}
        </dl>
      ) : null}
      {record && record.tokens.length > 0 ? (
        <div className="mt-2 space-y-2">
          {record.tokens.map((token) => (
            <TokenInspector key={token.label} token={token} />
          ))}
        </div>
      ) : null}
      {record && record.exchanges.length > 0 ? (
        <>
          <h4 className="mt-3 text-sm font-semibold">HTTP</h4>
          <HttpInspector exchanges={record.exchanges} />
        </>
      ) : null}
    </li>
  )
}

function OutcomePanel({ outcome, attack }: { outcome: AttackOutcome; attack: Attack }) {
  if (outcome.status === 'succeeded') {
    return (
      <section
        aria-labelledby="outcome-heading"
        className="mt-6 rounded-lg border border-fuchsia-300 bg-fuchsia-50 p-4"
      >
        <h2 id="outcome-heading" className="text-xl font-semibold text-fuchsia-950">
          The attacker’s loot
        </h2>
        <p className="mt-1 text-sm text-fuchsia-950">{outcome.loot.summary}</p>
        {outcome.loot.values.length > 0 ? (
          <dl className="mt-2 rounded bg-white px-2">
            {outcome.loot.values.map((value) => (
              <ValueView key={value.label} value={value} />
            ))}
          </dl>
        ) : null}
        <div className="mt-3 space-y-2">
          {outcome.loot.tokens.map((token) => (
            <TokenInspector key={token.label} token={token} />
          ))}
        </div>
        <p className="mt-3 text-sm text-fuchsia-950">
          Switch on “{attack.defence.label}” and run the attack again.
        </p>
      </section>
    )
  }
  if (outcome.status === 'stopped') {
    const { stoppedAt } = outcome
    const step = attack.steps.find((candidate) => candidate.id === stoppedAt.stepId)
    return (
      <section
        aria-labelledby="outcome-heading"
        className="mt-6 rounded-lg border border-emerald-300 bg-emerald-50 p-4"
      >
        <h2 id="outcome-heading" className="text-xl font-semibold text-emerald-950">
          Where the defence stopped it
        </h2>
        <dl className="mt-2 grid gap-x-4 gap-y-1 text-sm text-emerald-950 sm:grid-cols-[auto_1fr]">
          <dt className="font-medium">Check</dt>
          <dd>
            {stoppedAt.check} (<SpecLinks specs={[stoppedAt.spec]} />)
          </dd>
          <dt className="font-medium">Checked by</dt>
          <dd>the {stoppedAt.by}</dd>
          <dt className="font-medium">At step</dt>
          <dd>{step?.title}</dd>
          {stoppedAt.code ? (
            <>
              <dt className="font-medium">Error code</dt>
              <dd>
                <code className="font-mono">{stoppedAt.code}</code>
              </dd>
            </>
          ) : null}
          <dt className="font-medium">What it said</dt>
          <dd className="break-words">{stoppedAt.message}</dd>
        </dl>
        <p className="mt-3 text-sm text-emerald-950">The attacker got nothing.</p>
      </section>
    )
  }
  return (
    <section
      aria-labelledby="outcome-heading"
      className="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-4"
    >
      <h2 id="outcome-heading" className="text-xl font-semibold text-amber-950">
        The attack could not be played
      </h2>
      <p className="mt-1 text-sm text-amber-950">{outcome.summary}</p>
      {outcome.detail ? <p className="mt-1 text-sm text-amber-950">{outcome.detail}</p> : null}
    </section>
  )
}

function addressOf(page: BrowserPage | undefined): string {
  if (!page) return 'about:blank'
  return page.url ?? 'another site’s page (the attacker’s): its address is not readable here'
}

function AttackLab({ attack }: { attack: Attack }) {
  const frame = useRef<HTMLIFrameElement>(null)
  const { run, busy, pausedAfter, victimPage, start, resume } = useAttackRun(attack, frame)
  const [defence, setDefence] = useState(attack.pending === undefined)
  const [pause, setPause] = useState(false)
  const [openedAt] = useState(() => Date.now())
  const serverState = useMockServerState()
  const traffic = useServerTraffic(run?.startedAt ?? openedAt)
  const recordOf = (stepId: string) => run?.records.find((record) => record.stepId === stepId)
  const states: StepState[] = attack.steps.map((step) => {
    const state = stateOf(recordOf(step.id))
    return state === 'done' && pausedAfter === step.id ? 'waiting' : state
  })
  const weakenedNote = (note: string) => note.startsWith('WEAKENED')

  return (
    <div className="mx-auto max-w-6xl px-4 py-8">
      <p className="text-sm">
        <Link className="text-sky-800 underline" to={paths.attacks}>
          All attacks
        </Link>
      </p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">{attack.title}</h1>
      <p className="mt-2 max-w-3xl text-slate-800">
        <strong className="font-semibold text-fuchsia-900">The attacker wants: </strong>
        {attack.goal}
      </p>
      <p className="mt-2 max-w-3xl text-sm text-slate-800">{attack.summary}</p>
      <p className="mt-2 text-sm">
        <span className="text-slate-700">Specifications: </span>
        <SpecLinks specs={attack.specs} />
      </p>

      <section aria-labelledby="clients-heading" className="mt-4">
        <h2 id="clients-heading" className="text-sm font-semibold">
          Demo clients it uses
        </h2>
        <ul className="mt-1 space-y-1 text-sm">
          {attack.clients.map((client) => (
            <li key={client.clientId}>
              <code className="font-mono">{client.clientId}</code>
              {client.when === 'always'
                ? ''
                : client.when === 'defence-on'
                  ? ' (defence on)'
                  : ' (defence off)'}
              :{' '}
              <span className={weakenedNote(client.note) ? 'font-medium text-red-900' : ''}>
                {client.note}
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section
        aria-labelledby="defence-heading"
        className="mt-4 rounded-lg border border-slate-300 bg-white p-4"
      >
        <h2 id="defence-heading" className="text-lg font-semibold">
          The defence{' '}
          <span className="text-sm font-normal text-slate-700">
            ({attack.defence.side === 'server' ? 'in the authorization server' : 'in the client'},{' '}
            <SpecLinks specs={[attack.defence.spec]} />)
          </span>
        </h2>
        <label className="mt-2 flex items-start gap-2 font-medium">
          <input
            type="checkbox"
            className="mt-1 h-4 w-4"
            checked={defence}
            disabled={busy || attack.pending !== undefined}
            onChange={(event) => setDefence(event.target.checked)}
            aria-describedby="defence-explanation"
          />
          <span>{attack.defence.label}</span>
        </label>
        <p id="defence-explanation" className="mt-1 max-w-3xl text-sm text-slate-800">
          <strong className="font-semibold">On: </strong>
          {attack.defence.explanation} <strong className="font-semibold">Off: </strong>
          {attack.defence.whenOff}
        </p>
        {attack.pending ? (
          <p className="mt-2 rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-950">
            {attack.pending.defence}
          </p>
        ) : null}
        <label className="mt-3 flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            className="h-4 w-4"
            checked={pause}
            disabled={busy}
            onChange={(event) => setPause(event.target.checked)}
          />
          Pause after each step
        </label>
        <div className="mt-3 flex flex-wrap items-center gap-3">
          <button
            type="button"
            onClick={() => void start({ defence, pauseAfterEachStep: pause })}
            disabled={busy || serverState !== 'ready'}
            className="rounded bg-fuchsia-800 px-4 py-2 text-sm font-medium text-white hover:bg-fuchsia-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-fuchsia-800 disabled:cursor-not-allowed disabled:bg-slate-400 disabled:text-slate-900"
          >
            Run the attack
          </button>
          {pausedAfter ? (
            <button
              type="button"
              onClick={resume}
              className="rounded border border-slate-500 bg-white px-4 py-2 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700"
            >
              Run the next step
            </button>
          ) : null}
        </div>
        <div
          role="status"
          aria-live="polite"
          className={`mt-3 rounded p-2 text-sm font-medium ${
            run?.outcome?.status === 'succeeded'
              ? 'bg-fuchsia-100 text-fuchsia-950'
              : run?.outcome?.status === 'stopped'
                ? 'bg-emerald-100 text-emerald-950'
                : 'bg-slate-100 text-slate-900'
          }`}
        >
          {statusText(attack, run, busy, pausedAfter)}
        </div>
        {run && !busy ? (
          <p className="mt-1 text-xs text-slate-700">
            Last run: defence {run.defence ? 'on' : 'off'}.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="diagram-heading" className="mt-6">
        <h2 id="diagram-heading" className="text-xl font-semibold">
          Sequence
        </h2>
        <div className="mt-2">
          <SequenceDiagram flow={attack} states={states} />
        </div>
      </section>

      {run?.outcome ? <OutcomePanel outcome={run.outcome} attack={attack} /> : null}

      <section aria-labelledby="steps-heading" className="mt-8">
        <h2 id="steps-heading" className="text-xl font-semibold">
          Steps
        </h2>
        <div className="mt-3 gap-4 lg:grid lg:grid-cols-[minmax(0,1fr)_380px]">
          <ol className="space-y-4">
            {attack.steps.map((step, index) => (
              <StepItem
                key={step.id}
                step={step}
                index={index}
                attack={attack}
                record={recordOf(step.id)}
              />
            ))}
          </ol>
          <aside aria-labelledby="victim-heading" className="mt-4 lg:mt-0">
            <div className="rounded-lg border border-slate-300 bg-white p-3 lg:sticky lg:top-4">
              <h3 id="victim-heading" className="font-semibold">
                Victim’s browser (Alice)
              </h3>
              <p className="mt-1 break-all font-mono text-xs text-slate-700">
                {addressOf(victimPage)}
              </p>
              <iframe
                ref={frame}
                src="about:blank"
                title="Victim’s browser"
                className="mt-2 h-[460px] w-full rounded border border-slate-200"
              />
              <p className="mt-1 text-xs text-slate-700">
                Real navigations, answered by the service worker. The attacker’s browser is not
                shown: it is this page’s fetch, without your cookies.
              </p>
            </div>
          </aside>
        </div>
      </section>

      <section aria-labelledby="server-log-heading" className="mt-8">
        <h2 id="server-log-heading" className="text-xl font-semibold">
          Server log
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          Everything the mock servers answered during the last run (the honest server, evil-as and
          the attacker’s server), including what the browsers sent that no client code saw.
        </p>
        {traffic.length === 0 ? (
          <p className="mt-2 text-sm text-slate-700">Nothing yet.</p>
        ) : (
          <HttpInspector exchanges={traffic} headingLevel={3} />
        )}
      </section>
    </div>
  )
}
