/**
 * The victim's browser in the lab: a frame on the page (docs/decisions/125). Its navigations are
 * real ones, answered by the service worker like any tab's; the lab clients' pages at the server
 * may be framed by the app's own origin (docs/decisions/126). The attacker's pages are sandboxed,
 * another origin, so this side cannot read them: what the attacker got, it learns from the
 * attacker's server, as the attacker would.
 */
import type { BrowserPage, UserAgent } from './attack-model.ts'

/** How long a navigation may take before the step gives up. */
const navigationTimeoutMs = 20_000
/**
 * After landing on a page it cannot read (another site's), how long to wait for that page to
 * navigate on by itself (the attacker's auto-posting form), before taking it as where it ends.
 */
const settleMs = 1_000
/**
 * An address opened in the frame is opened once more if no page has loaded by then. Chromium
 * drops a navigation the frame's previous page supersedes while it is still starting up (the
 * request ends as net::ERR_ABORTED and no `load` follows); opening an address again is safe,
 * while a form is never posted twice.
 */
const reopenAfterMs = 6_000

/** The lab apps' callback pages (`/attacks/<id>/callback`), rendered by this app's own code. */
const appCallbackPath = /^\/attacks\/[^/]+\/callback$/

/** The attribute the callback page sets once it has rendered (attack-callback-page.tsx). */
export const renderedMarker = 'attackCallback'

/**
 * Calls `ready` once the app's callback page in the frame has rendered. Its `load` event comes
 * before that: the page's code arrives in chunks after it, so the app may still be starting when
 * the attack navigates the frame on. In Chromium that next navigation was seen to get its
 * response and never commit (the consent CSRF's auto-posting page, right after the sign-in),
 * most likely because the starting router rewrites its history entry meanwhile. Other pages
 * count as loaded on `load`. Waiting here removes that cause; opening once more after
 * `reopenAfterMs` stays as the fallback for a navigation dropped all the same.
 */
function whenRendered(frame: HTMLIFrameElement, ready: () => void): () => void {
  const document = frame.contentDocument
  const path = frame.contentWindow?.location.pathname ?? ''
  const root = document?.documentElement
  if (!root || !appCallbackPath.test(path) || root.dataset[renderedMarker] === 'rendered') {
    ready()
    return () => undefined
  }
  const observer = new MutationObserver(() => {
    if (root.dataset[renderedMarker] !== 'rendered') return
    observer.disconnect()
    ready()
  })
  observer.observe(root, { attributes: true })
  return () => observer.disconnect()
}

function readPage(frame: HTMLIFrameElement): BrowserPage {
  try {
    const view = frame.contentWindow
    const url = view?.location.href
    const document = frame.contentDocument
    if (!view || !url || !document || url === 'about:blank') {
      return { url: undefined, status: undefined, html: undefined }
    }
    const navigation = view.performance.getEntriesByType('navigation')[0] as
      | (PerformanceNavigationTiming & { responseStatus?: number })
      | undefined
    return { url, status: navigation?.responseStatus, html: document.documentElement.outerHTML }
  } catch {
    // Another origin's page (the attacker's, sandboxed): nothing of it is readable.
    return { url: undefined, status: undefined, html: undefined }
  }
}

export function createFrameUserAgent(
  getFrame: () => HTMLIFrameElement | null,
  onPage?: (page: BrowserPage) => void,
): UserAgent {
  function frame(): HTMLIFrameElement {
    const found = getFrame()
    if (!found) throw new Error('The victim’s browser frame is not on the page.')
    return found
  }

  /** Starts a navigation and resolves on the page it settles on. */
  function navigate(start: () => void, reopen = false): Promise<BrowserPage> {
    const element = frame()
    return new Promise((resolve, reject) => {
      let settle: ReturnType<typeof setTimeout> | undefined
      let stopWaiting: () => void = () => undefined
      let loaded = false
      const again = reopen
        ? setTimeout(() => {
            if (!loaded) start()
          }, reopenAfterMs)
        : undefined
      const timeout = setTimeout(() => {
        clearTimeout(again)
        element.removeEventListener('load', onLoad)
        stopWaiting()
        reject(new Error('The victim’s browser did not finish loading the page in time.'))
      }, navigationTimeoutMs)
      const finish = (page: BrowserPage) => {
        clearTimeout(timeout)
        clearTimeout(again)
        element.removeEventListener('load', onLoad)
        onPage?.(page)
        resolve(page)
      }
      function onLoad() {
        loaded = true
        if (settle) clearTimeout(settle)
        stopWaiting()
        const page = readPage(element)
        if (page.url !== undefined) {
          stopWaiting = whenRendered(element, () => finish(readPage(element)))
        } else settle = setTimeout(() => finish(page), settleMs)
      }
      element.addEventListener('load', onLoad)
      try {
        start()
      } catch (error) {
        clearTimeout(timeout)
        clearTimeout(again)
        element.removeEventListener('load', onLoad)
        reject(error)
      }
    })
  }

  return {
    open(url) {
      return navigate(() => {
        const view = frame().contentWindow
        // Setting the location works whatever origin the frame shows now.
        if (view) view.location.href = url
        else frame().src = url
      }, true)
    },
    submit(page, fields, button) {
      const document = frame().contentDocument
      const form = document?.querySelector('form')
      if (!document || !form) throw new Error(`There is no form on ${page.url ?? 'this page'}.`)
      for (const [name, value] of Object.entries(fields)) {
        // The frame's elements belong to its own window: compare tag names, not classes.
        const input = form.elements.namedItem(name) as HTMLInputElement | null
        if (input?.tagName !== 'INPUT') throw new Error(`The form has no field ${name}.`)
        input.value = value
      }
      const submitter = button
        ? [...form.querySelectorAll('button')].find(
            (candidate) => candidate.name === button.name && candidate.value === button.value,
          )
        : undefined
      if (button && !submitter) throw new Error(`The form has no ${button.value} button.`)
      return navigate(() => form.requestSubmit(submitter))
    },
  }
}
