/**
 * Helpers for the interop suite: run the real command line (`bin/grantlab-as.mjs`) as a team
 * would, wait for `/as/health`, read what it printed, stop it. Ports 9500-9519 belong to this
 * suite; each test file uses its own.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
export const cliPath = join(repoRoot, 'bin', 'grantlab-as.mjs')

export interface RunningCli {
  child: ChildProcess
  output(): string
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `node bin/grantlab-as.mjs …args` (or another command) and collects its output. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; command?: string[]; cwd?: string } = {},
): RunningCli {
  const [command, ...prefix] = options.command ?? [process.execPath, cliPath]
  const child = spawn(command as string, [...prefix, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: `npx` runs the server as a grandchild, and a signal to the group
    // reaches it too.
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  return { child, output: () => output, exited }
}

/** Polls `url` until it answers 200, the process ends, or `timeoutMs` passes. */
export async function waitForHealth(
  url: string,
  cli?: RunningCli,
  timeoutMs = 30_000,
): Promise<void> {
  let ended = false
  void cli?.exited.then(() => {
    ended = true
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (ended) throw new Error(`the server ended before it was healthy:\n${cli?.output()}`)
    try {
      const response = await fetch(url)
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${cli?.output() ?? ''}`)
}

/** Ends the process and its children (SIGTERM, or `signal`) and waits for it. */
export async function stopCli(cli: RunningCli, signal: NodeJS.Signals = 'SIGTERM') {
  if (cli.child.exitCode === null && cli.child.signalCode === null && cli.child.pid) {
    try {
      process.kill(-cli.child.pid, signal)
    } catch {
      // already gone
    }
  }
  return cli.exited
}

/** Whether anything accepts connections on the port (to prove that nothing was started). */
export async function isListening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/as/health`, { signal: AbortSignal.timeout(2000) })
    return true
  } catch {
    return false
  }
}

/** A form POST as a client sends it. */
export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  })
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

/**
 * Signs in through the server's own pages the way a browser would, with fetch: follows the
 * authorization URL (or a device verification URL), posts each form (user code, sign-in, consent:
 * Allow) with the cookies and `Origin` the pages expect, until the server redirects back to the
 * client (`location`) or shows a last page without a form (the device flow's "done" page).
 */
export async function signInWithFetch(
  url: string,
  user: { username: string; password: string },
  jar: Map<string, string> = new Map(),
): Promise<{ location?: URL; page: string }> {
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const remember = (response: Response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const index = pair.indexOf('=')
      jar.set(pair.slice(0, index), pair.slice(index + 1))
    }
  }
  let response = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } })
  for (let step = 0; step < 6; step += 1) {
    remember(response)
    const location = response.headers.get('location')
    if (location) return { location: new URL(location, url), page: '' }
    const html = await response.text()
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&')
    if (!action) {
      if (response.status !== 200) throw new Error(`${response.status}: ${html.slice(0, 300)}`)
      return { page: html }
    }
    const fields = new URLSearchParams()
    for (const [, attributes = ''] of html.matchAll(/<input ([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(attributes)?.[1]
      const value = /value="([^"]*)"/.exec(attributes)?.[1]
      if (name !== undefined && value !== undefined) fields.set(name, value)
    }
    if (html.includes('name="password"')) {
      fields.set('username', user.username)
      fields.set('password', user.password)
    } else if (html.includes('name="decision"')) {
      fields.set('decision', 'approve')
    }
    const target = new URL(action, url)
    response = await fetch(target, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: target.origin,
        cookie: cookie(),
      },
      body: fields,
    })
  }
  throw new Error('the sign-in did not end')
}

/** Signs in and resolves to the redirect back to the client. */
export async function callbackAfterSignIn(
  url: string,
  user: { username: string; password: string },
  jar?: Map<string, string>,
): Promise<URL> {
  const { location, page } = await signInWithFetch(url, user, jar)
  if (!location) throw new Error(`no redirect back to the client: ${page.slice(0, 300)}`)
  return location
}
