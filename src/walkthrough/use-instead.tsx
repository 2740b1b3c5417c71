import { Link } from 'react-router'
import { paths } from '../app/paths.ts'
import type { Flow } from '../flows/flow-model.ts'
import { findFlowSummary } from '../flows/flow-summaries.ts'

/** For a deprecated flow: a link to the walkthrough of the grant to use instead. */
export function UseInstead({ deprecated }: { deprecated: Flow['deprecated'] }) {
  const instead = deprecated?.useInstead
  const target = instead ? findFlowSummary(instead.flowId) : undefined
  if (!instead || !target) return null
  return (
    <>
      {' '}
      <strong>Use instead:</strong>{' '}
      <Link className="font-medium underline" to={paths.walkthrough(target.id)}>
        {target.title}
      </Link>
      . {instead.why}
    </>
  )
}
