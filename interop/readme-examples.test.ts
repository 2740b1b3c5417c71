/**
 * The README's "Use the mock server in your own project" examples, run as written: every code
 * block with a `title="…"` becomes that file in a team's project (`my-app/`, beside a `grantlab/`
 * that is this checkout), then that project's Vitest and Playwright run them. One change only:
 * the Playwright example's port 9400 becomes 9508, this suite's port, so the test never takes the
 * port a developer's own `npm run as` may hold. Ports 9508.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { repoRoot } from './support.ts'

// These tests run another Vitest and another Playwright.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

const run = promisify(execFile)
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
const section = readme.slice(
  readme.indexOf('## Use the mock server in your own project'),
  readme.indexOf('\n## ', readme.indexOf('## Use the mock server in your own project') + 3),
)
const blocks = [...section.matchAll(/```\w+ title="([^"]+)"\n([\s\S]*?)```/g)].map(
  ([, name = '', body = '']) => ({ name, body }),
)

let root: string
/** The environment without colours, so the runners' output can be read. */
function plainEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...env } = process.env
  return { ...env, CI: '1', NO_COLOR: '1' }
}
let project: string

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'grantlab-readme-'))
  project = join(root, 'my-app')
  mkdirSync(project)
  symlinkSync(repoRoot, join(root, 'grantlab'))
  // The team's own dependencies (vitest, @playwright/test) are this checkout's.
  symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'))
  for (const { name, body } of blocks) {
    const file = join(project, name)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(
      file,
      name === 'playwright.config.ts' || name.startsWith('e2e/')
        ? body.replaceAll('9400', '9508')
        : body,
    )
  }
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

test('the section has the configuration, the Vitest and the Playwright examples', () => {
  expect(blocks.map((block) => block.name).sort()).toEqual([
    'e2e/mock-server.spec.ts',
    'mock-as.json',
    'playwright.config.ts',
    'retry.test.ts',
    'service.test.ts',
    'vitest.config.ts',
    'vitest.global-setup.ts',
  ])
  expect(() =>
    JSON.parse(blocks.find((block) => block.name === 'mock-as.json')?.body ?? ''),
  ).not.toThrow()
})

test('the Vitest globalSetup example and the injectError example pass in the team’s project', async () => {
  const { stdout } = await run(
    process.execPath,
    [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose'],
    { cwd: project, env: plainEnv() },
  )
  expect(stdout).toMatch(/✓ service\.test\.ts > my service gets a token from the mock server/)
  expect(stdout).toMatch(/✓ retry\.test\.ts > the token endpoint is down once, then answers/)
  expect(stdout).toMatch(/Tests {2}2 passed/)
}, 90_000)

test('the Playwright webServer example starts the command line, waits for health, and its test passes', async () => {
  const { stdout } = await run(
    process.execPath,
    [join(repoRoot, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '--reporter=list'],
    { cwd: project, env: plainEnv() },
  )
  expect(stdout).toMatch(/✓ .*mock-server\.spec\.ts.*the mock server is up with my configuration/)
  expect(stdout).toMatch(/1 passed/)
}, 120_000)
