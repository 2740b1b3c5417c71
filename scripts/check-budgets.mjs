#!/usr/bin/env node
// Checks the budgets of DESIGN.md against the real build and a real Lighthouse report:
//   - JavaScript the /advisor route loads first: at most 150 KB gzipped;
//   - Lighthouse (mobile, simulated throttling) on /advisor: performance ≥ 0.95,
//     accessibility = 1, best practices ≥ 0.95.
// Usage: npm run budget   (builds into dist-budget, serves it with vite preview, prints figures;
//        exits 1 when a budget is exceeded). `--no-lighthouse` checks the bundle only.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const outDir = 'dist-budget'
const port = Number(process.env.BUDGET_PORT ?? 4310)
const budgets = { advisorJsGzipKb: 150, performance: 0.95, accessibility: 1, bestPractices: 0.95 }
const failures = []

const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
  stdio: 'inherit',
  env: { ...process.env, GRANTLAB_OUT_DIR: outDir },
})
if (build.status !== 0) process.exit(build.status ?? 1)

// The chunks a route pulls in before it renders: the entry and everything the route's chunk
// imports statically, followed transitively.
const assetImports = (file) => {
  const code = readFileSync(join(outDir, 'assets', file), 'utf8')
  return [...code.matchAll(/(?:from|import)\s*["']\.\/([\w.-]+\.js)["']/g)].map((m) => m[1])
}
const closure = (roots) => {
  const seen = new Set()
  const queue = [...roots]
  while (queue.length > 0) {
    const file = queue.pop()
    if (seen.has(file)) continue
    seen.add(file)
    queue.push(...assetImports(file))
  }
  return seen
}
const html = readFileSync(join(outDir, 'index.html'), 'utf8')
const entry = [...html.matchAll(/(?:src|href)="\/assets\/([\w.-]+\.js)"/g)].map((m) => m[1])
const routeChunk = spawnSync('ls', [join(outDir, 'assets')], { encoding: 'utf8' })
  .stdout.split('\n')
  .find((name) => name.startsWith('advisor-page-') && name.endsWith('.js'))
if (!routeChunk) {
  failures.push('no advisor-page chunk in the build: is the advisor still a lazy route?')
} else {
  const files = closure([...entry, routeChunk])
  let total = 0
  for (const file of files) {
    const gz = gzipSync(readFileSync(join(outDir, 'assets', file)), { level: 9 }).length
    total += gz
    console.log(`  ${file.padEnd(48)} ${(gz / 1024).toFixed(1).padStart(7)} KB gzip`)
  }
  const kb = total / 1024
  console.log(
    `/advisor first-load JavaScript: ${kb.toFixed(1)} KB gzip (budget ${budgets.advisorJsGzipKb} KB)`,
  )
  if (kb > budgets.advisorJsGzipKb)
    failures.push(`advisor JS ${kb.toFixed(1)} KB > ${budgets.advisorJsGzipKb} KB`)
}

if (!process.argv.includes('--no-lighthouse')) {
  const chromePath = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : process.env.CHROME_PATH
  const server = spawn(
    'npx',
    ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    {
      env: { ...process.env, GRANTLAB_OUT_DIR: outDir },
      stdio: 'ignore',
      detached: true,
    },
  )
  try {
    const url = `http://127.0.0.1:${port}/advisor`
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(url)).ok) break
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const { launch } = await import('chrome-launcher')
    const { default: lighthouse } = await import('lighthouse')
    const chrome = await launch({
      chromePath,
      chromeFlags: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    try {
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
      })
      const { categories, audits } = result.lhr
      const scores = {
        performance: categories.performance.score,
        accessibility: categories.accessibility.score,
        bestPractices: categories['best-practices'].score,
      }
      console.log(
        `Lighthouse /advisor: performance ${scores.performance}, accessibility ${scores.accessibility}, best practices ${scores.bestPractices}; ` +
          `LCP ${Math.round(audits['largest-contentful-paint'].numericValue)} ms, TBT ${Math.round(audits['total-blocking-time'].numericValue)} ms, CLS ${audits['cumulative-layout-shift'].numericValue.toFixed(3)}`,
      )
      for (const key of Object.keys(scores)) {
        if (scores[key] < budgets[key])
          failures.push(`Lighthouse ${key} ${scores[key]} < ${budgets[key]}`)
      }
      for (const category of ['accessibility', 'best-practices']) {
        for (const ref of categories[category].auditRefs) {
          const audit = audits[ref.id]
          if (ref.weight > 0 && audit.score !== null && audit.score < 1)
            console.log(`  ${category}: ${audit.id} — ${audit.title}`)
        }
      }
    } finally {
      await chrome.kill()
    }
  } finally {
    process.kill(-server.pid)
  }
}

if (failures.length > 0) {
  console.error(`Budgets exceeded:\n- ${failures.join('\n- ')}`)
  process.exit(1)
}
console.log('All budgets hold.')
