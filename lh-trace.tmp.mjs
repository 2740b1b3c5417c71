import { launch } from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { writeFileSync } from 'node:fs'
const url = process.argv[2]
const chrome = await launch({ chromePath: '/usr/bin/chromium', chromeFlags: ['--headless','--no-sandbox','--disable-gpu','--disable-dev-shm-usage','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] })
const r = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] })
await chrome.kill()
const trace = r.artifacts.Trace ?? r.artifacts.traces?.defaultPass
writeFileSync('/tmp/pf/trace.json', JSON.stringify(trace))
const a = r.lhr.audits
console.log('perf', r.lhr.categories.performance.score, 'FCP', a['first-contentful-paint'].numericValue, 'LCP', a['largest-contentful-paint'].numericValue, 'TBT', a['total-blocking-time'].numericValue, 'bench', r.lhr.environment.benchmarkIndex)
const evs = trace.traceEvents
const main = evs.find(e => e.name === 'TracingStartedInBrowser')
// find renderer main thread: thread with 'CrRendererMain'
const threads = evs.filter(e => e.name === 'thread_name' && e.args.name === 'CrRendererMain')
const nav = evs.find(e => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame && e.args?.data?.documentLoaderURL?.startsWith('http'))
const t0 = nav.ts
const tid = nav.tid, pid = nav.pid
const tasks = evs.filter(e => e.pid === pid && e.tid === tid && e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.ts >= t0).sort((x,y)=>x.ts-y.ts)
for (const t of tasks) {
  if (t.dur < 3000) continue
  const inner = evs.filter(e => e.pid === pid && e.tid === tid && e.ts >= t.ts && e.ts < t.ts + t.dur && e.ph === 'X' && e.dur > 1000 && e.name !== t.name)
  const names = inner.slice(0, 6).map(e => `${e.name}${e.args?.data?.url ? '(' + e.args.data.url.split('/').pop() + ')' : ''}${e.args?.data?.functionName ? '[' + e.args.data.functionName + ']' : ''} ${(e.dur/1000).toFixed(1)}`)
  console.log(`${((t.ts - t0)/1000).toFixed(0).padStart(6)} ms  ${(t.dur/1000).toFixed(1).padStart(6)} ms  ${names.join(' | ')}`)
}
const marks = ['firstContentfulPaint','largestContentfulPaint::Candidate','loadEventEnd','domContentLoadedEventEnd']
for (const m of marks) { const e = evs.find(e => e.name === m && e.pid===pid); if (e) console.log(m, ((e.ts - t0)/1000).toFixed(0)) }
