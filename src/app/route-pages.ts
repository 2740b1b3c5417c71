/**
 * The code of each lazily loaded page, by the path that opens it: one table for the router's lazy
 * routes and for the entry (`main.tsx`), which starts fetching the page being opened at the same
 * time as the app's shell (docs/decisions/091).
 */

/** A page's module, imported once; `loaded()` has it as soon as the import has resolved. */
export type PageModule<T> = { load: () => Promise<T>; loaded: () => T | undefined }

export function pageModule<T>(importer: () => Promise<T>): PageModule<T> {
  let loading: Promise<T> | undefined
  let module: T | undefined
  return {
    load: () => {
      loading ??= importer().then((imported) => {
        module = imported
        return imported
      })
      return loading
    },
    loaded: () => module,
  }
}

export const pageModules = {
  advisor: pageModule(() => import('../advisor/advisor-page.tsx')),
  configure: pageModule(() => import('../registration/registration-page.tsx')),
  walkthroughs: pageModule(() => import('../walkthrough/walkthrough-index-page.tsx')),
  walkthrough: pageModule(() => import('../walkthrough/walkthrough-page.tsx')),
  attacks: pageModule(() => import('../attacks/attacks-index-page.tsx')),
  attack: pageModule(() => import('../attacks/attack-page.tsx')),
  attackCallback: pageModule(() => import('../attacks/attack-callback-page.tsx')),
}

/**
 * Starts fetching the code of the page that `pathname` opens and what that page needs for its
 * first render: a walkthrough page the flows' summaries, which give its heading and summary. The
 * flow itself comes after the first paint (docs/decisions/092, 143). Both downloads run at once.
 */
export function loadPageFor(pathname: string): Promise<unknown> | undefined {
  const page = pageModuleFor(pathname)
  if (page !== pageModules.walkthrough) return page?.load()
  return Promise.all([page.load(), import('../flows/flow-summaries.ts')])
}

/** The lazy page that `pathname` opens (the same matching as the routes in `router.tsx`). */
export function pageModuleFor(pathname: string): PageModule<unknown> | undefined {
  const [first, second] = pathname.split('/').filter(Boolean)
  if (first === 'advisor' && second === undefined) return pageModules.advisor
  if (first === 'configure' && second === undefined) return pageModules.configure
  if (first === 'walkthrough')
    return second === undefined ? pageModules.walkthroughs : pageModules.walkthrough
  if (first === 'attacks') {
    if (second === undefined) return pageModules.attacks
    const third = pathname.split('/').filter(Boolean)[2]
    if (third === undefined) return pageModules.attack
    if (third === 'callback') return pageModules.attackCallback
  }
  return undefined
}
