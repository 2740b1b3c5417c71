import { describe, expect, test } from 'vitest'
import { paths } from './paths.ts'
import { pageModule, pageModuleFor, pageModules } from './route-pages.ts'

// The entry starts the opened page's code by this table; a page it misses still opens, but only
// after the shell has run (docs/decisions/091), and a wrong one costs a useless download.
describe('pageModuleFor', () => {
  test('names the page module of each lazy route, as the router matches it', () => {
    expect(pageModuleFor(paths.advisor)).toBe(pageModules.advisor)
    expect(pageModuleFor(paths.configure)).toBe(pageModules.configure)
    expect(pageModuleFor(paths.walkthroughs)).toBe(pageModules.walkthroughs)
    expect(pageModuleFor(paths.walkthrough('device-code'))).toBe(pageModules.walkthrough)
    expect(pageModuleFor(paths.walkthroughCallback('hybrid'))).toBe(pageModules.walkthrough)
    expect(pageModuleFor(`${paths.advisor}/`)).toBe(pageModules.advisor)
    expect(pageModuleFor(paths.attacks)).toBe(pageModules.attacks)
    expect(pageModuleFor(paths.attack('mix-up'))).toBe(pageModules.attack)
    expect(pageModuleFor(paths.attackCallback('mix-up'))).toBe(pageModules.attackCallback)
  })

  test('names none for the home page (in the shell) and for addresses no route has', () => {
    expect(pageModuleFor(paths.home)).toBeUndefined()
    expect(pageModuleFor('/advisor/extra')).toBeUndefined()
    expect(pageModuleFor('/configure/x')).toBeUndefined()
    expect(pageModuleFor('/no-such-page')).toBeUndefined()
    expect(pageModuleFor('/attacks/mix-up/extra')).toBeUndefined()
  })
})

describe('a page module', () => {
  test('imports once and has the module at hand once the import resolved', async () => {
    let imports = 0
    const page = pageModule(async () => {
      imports++
      return { Page: 'the page' }
    })
    expect(page.loaded()).toBeUndefined()
    const [first, second] = await Promise.all([page.load(), page.load()])
    expect(first).toBe(second)
    expect(page.loaded()).toEqual({ Page: 'the page' })
    expect(imports).toBe(1)
  })
})
