import { Link } from 'react-router'
import { paths } from './paths.ts'

const jobs = [
  {
    to: paths.advisor,
    title: 'Advise',
    text: 'Answer a few questions about your client and get the grant to use, what to add to it, and why the others lose — each reason with its RFC.',
    action: 'Find my grant',
  },
  {
    to: paths.configure,
    title: 'Configure',
    text: 'Turn the advice into RFC 7591 client metadata, check it for mistakes, export it, and register it live.',
    action: 'Build a client',
  },
  {
    to: paths.walkthroughs,
    title: 'Walk through',
    text: 'Run every grant for real against a mock authorization server in your browser: each request, each redirect, each token decoded.',
    action: 'Run a grant',
  },
  {
    to: paths.attacks,
    title: 'Attack lab',
    text: 'Switch a defence off and watch a real attack get the tokens; switch it back on and watch it fail at the exact check, with its RFC section.',
    action: 'Break a defence',
  },
]

export function HomePage() {
  return (
    <div className="mx-auto max-w-6xl px-4 py-10">
      <h1 className="text-3xl font-semibold tracking-tight">
        Pick, set up and see OAuth 2.0 grants
      </h1>
      <p className="mt-3 max-w-2xl text-slate-700">
        Grantlab helps you choose an OAuth 2.0 / OpenID Connect grant for your client, write its
        registration, and watch every step of it run against a real (mock) authorization server.
      </p>
      <ul className="mt-8 grid gap-4 md:grid-cols-2 lg:grid-cols-4">
        {jobs.map((job) => (
          <li
            key={job.to}
            className="flex flex-col rounded-lg border border-slate-200 bg-white p-5"
          >
            <h2 className="text-lg font-semibold">{job.title}</h2>
            <p className="mt-2 flex-1 text-sm text-slate-700">{job.text}</p>
            <Link
              to={job.to}
              className="mt-4 inline-block self-start rounded bg-sky-700 px-3 py-2 text-sm font-medium text-white hover:bg-sky-800"
            >
              {job.action}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  )
}
