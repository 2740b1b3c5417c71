import { useId } from 'react'
import type { Actor, Step } from '../flows/flow-model.ts'

export type StepState = 'done' | 'current' | 'failed' | 'waiting' | 'pending'

const columnWidth = 190
const headerHeight = 48
const rowHeight = 46
const top = 18

const stateWords: Record<StepState, string> = {
  done: 'done',
  current: 'next',
  failed: 'failed',
  waiting: 'waiting for the browser to come back',
  pending: 'not run yet',
}

const arrowClass: Record<StepState, string> = {
  done: 'stroke-slate-700',
  current: 'stroke-sky-700',
  failed: 'stroke-red-700',
  waiting: 'stroke-amber-700',
  pending: 'stroke-slate-400',
}

const markerClass: Record<StepState, string> = {
  done: 'fill-slate-700',
  current: 'fill-sky-700',
  failed: 'fill-red-700',
  waiting: 'fill-amber-700',
  pending: 'fill-slate-400',
}

const labelClass: Record<StepState, string> = {
  done: 'fill-slate-800',
  current: 'fill-sky-800 font-semibold',
  failed: 'fill-red-800 font-semibold',
  waiting: 'fill-amber-800 font-semibold',
  pending: 'fill-slate-600',
}

/**
 * What the diagram draws: a walkthrough's flow, or an attack of the lab, whose attacker
 * (`attacker: true`) gets a lifeline and arrows in another colour.
 */
export interface DiagramFlow {
  title: string
  actors: readonly (Actor & { attacker?: true })[]
  steps: readonly Pick<Step, 'id' | 'label' | 'title' | 'from' | 'to' | 'kind'>[]
}

/**
 * The flow as a sequence diagram: one lifeline per actor, one arrow per step, the next step
 * highlighted. Solid arrows are requests the client makes; dashed ones are browser redirects.
 */
export function SequenceDiagram({ flow, states }: { flow: DiagramFlow; states: StepState[] }) {
  const id = useId()
  const width = flow.actors.length * columnWidth
  const height = top + headerHeight + flow.steps.length * rowHeight + 24
  const columnOf = new Map(flow.actors.map((actor, index) => [actor.id, index]))
  const x = (actorId: string) => ((columnOf.get(actorId) ?? 0) + 0.5) * columnWidth
  const actorLabel = new Map(flow.actors.map((actor) => [actor.id, actor.label]))
  const attackers = new Set(flow.actors.filter((actor) => actor.attacker).map((actor) => actor.id))

  const description = flow.steps
    .map((step, index) => {
      const from = actorLabel.get(step.from)
      const to = actorLabel.get(step.to)
      const route = from === to ? `${from}, on its own` : `${from} to ${to}`
      return `${index + 1}. ${route}: ${step.label ?? step.title} (${stateWords[states[index] ?? 'pending']}).`
    })
    .join(' ')

  return (
    <div className="rounded-lg border border-slate-200 bg-white p-2">
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${width} ${height}`}
        className="mx-auto block h-auto w-full max-w-4xl"
      >
        <title id={`${id}-title`}>Sequence diagram of {flow.title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <defs>
          {(
            [
              'done',
              'current',
              'failed',
              'waiting',
              'pending',
              'attacker',
              'attacker-pending',
            ] as const
          ).map((state) => (
            <marker
              key={state}
              id={`${id}-arrow-${state}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path
                d="M0,0 L10,5 L0,10 z"
                className={
                  state === 'attacker'
                    ? 'fill-fuchsia-700'
                    : state === 'attacker-pending'
                      ? 'fill-fuchsia-300'
                      : markerClass[state]
                }
              />
            </marker>
          ))}
        </defs>
        {flow.actors.map((actor) => (
          <g key={actor.id}>
            <line
              x1={x(actor.id)}
              x2={x(actor.id)}
              y1={top + headerHeight}
              y2={height - 8}
              className={actor.attacker ? 'stroke-fuchsia-400' : 'stroke-slate-300'}
              strokeDasharray="4 4"
            />
            <rect
              x={x(actor.id) - columnWidth / 2 + 10}
              y={top}
              width={columnWidth - 20}
              height={headerHeight - 12}
              rx="6"
              className={
                actor.attacker
                  ? 'fill-fuchsia-100 stroke-fuchsia-700 stroke-2'
                  : 'fill-slate-100 stroke-slate-400'
              }
            />
            <text
              x={x(actor.id)}
              y={top + (headerHeight - 12) / 2 + 5}
              textAnchor="middle"
              className={`${actor.attacker ? 'fill-fuchsia-950' : 'fill-slate-900'} text-[13px] font-semibold`}
            >
              {actor.label}
            </text>
          </g>
        ))}
        {flow.steps.map((step, index) => {
          const state = states[index] ?? 'pending'
          const y = top + headerHeight + index * rowHeight + 30
          const x1 = x(step.from)
          const x2 = x(step.to)
          const label = `${index + 1}. ${step.label ?? step.title}`
          // The attacker's own moves, done or still to come, in the attacker's colour (paler
          // while not reached, as other steps are, so a stopped attack does not look finished).
          const byAttacker = attackers.has(step.from) && (state === 'done' || state === 'pending')
          const attackerArrow = state === 'pending' ? 'stroke-fuchsia-300' : 'stroke-fuchsia-700'
          const stroke = `${byAttacker ? attackerArrow : arrowClass[state]} ${state === 'current' ? 'stroke-[2.5]' : 'stroke-[1.5]'}`
          const attackerText = state === 'pending' ? 'fill-fuchsia-700' : 'fill-fuchsia-900'
          const text = byAttacker ? attackerText : labelClass[state]
          const attackerMarker = state === 'pending' ? 'attacker-pending' : 'attacker'
          const marker = `url(#${id}-arrow-${byAttacker ? attackerMarker : state})`
          const dash = step.kind === 'redirect' ? '6 4' : undefined
          const highlight =
            state === 'current' ? (
              <rect
                x={4}
                y={y - 24}
                width={width - 8}
                height={rowHeight - 6}
                rx="4"
                className="fill-sky-50"
              />
            ) : null
          if (x1 === x2) {
            return (
              <g key={step.id}>
                {highlight}
                <path
                  d={`M${x1},${y - 8} h34 v16 h-32`}
                  fill="none"
                  className={stroke}
                  markerEnd={marker}
                />
                <text
                  x={x1 + 42}
                  y={y + 4}
                  className={`text-[12px] ${text}`}
                  stroke="white"
                  strokeWidth="4"
                  paintOrder="stroke"
                >
                  {label}
                </text>
              </g>
            )
          }
          return (
            <g key={step.id}>
              {highlight}
              <line
                x1={x1}
                x2={x2 + (x2 > x1 ? -2 : 2)}
                y1={y}
                y2={y}
                className={stroke}
                strokeDasharray={dash}
                markerEnd={marker}
              />
              <text
                x={(x1 + x2) / 2}
                y={y - 7}
                textAnchor="middle"
                className={`text-[12px] ${text}`}
                stroke="white"
                strokeWidth="4"
                paintOrder="stroke"
              >
                {label}
              </text>
            </g>
          )
        })}
      </svg>
      <p className="mt-1 text-center text-xs text-slate-700">
        Solid arrow: an HTTP request the client makes. Dashed arrow: the browser is redirected.
        Highlighted: the next step.
        {attackers.size > 0 ? ' Purple: the attacker and what the attacker does.' : null}
      </p>
    </div>
  )
}
