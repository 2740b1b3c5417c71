import { readFileSync } from 'node:fs'
import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vitest/config'
import {
  builtAppHeaders,
  devServerHeaders,
  headersFile,
  metaContentSecurityPolicy,
} from './security-headers.ts'

/**
 * A strict Content-Security-Policy for the built app (DESIGN: no inline script, nothing leaves
 * the origin), as a meta tag. Only in the build: Vite's dev server injects inline styles for hot
 * reload. What a meta tag cannot do (frame-ancestors) goes in the response headers below.
 */
function strictCsp(): Plugin {
  return {
    name: 'grantlab-strict-csp',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace(
        '<meta charset="UTF-8" />',
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${metaContentSecurityPolicy}" />`,
      ),
  }
}

/** Writes the same headers as a `_headers` file, for static hosts that read one (README). */
function staticHostHeaders(): Plugin {
  return {
    name: 'grantlab-static-host-headers',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() })
    },
  }
}

/**
 * The entry (src/main.tsx) only starts two dynamic imports: the shell (src/app/start.tsx) and the
 * page being opened. So that the shell's download does not wait for the entry to run, index.html
 * preloads the shell's chunk and every chunk it imports (docs/decisions/091).
 */
function preloadShell(shellModule: string): Plugin {
  return {
    name: 'grantlab-preload-shell',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        if (!bundle) return
        const chunks = Object.values(bundle).filter((file) => file.type === 'chunk')
        const shell = chunks.find((chunk) => chunk.moduleIds.some((id) => id.endsWith(shellModule)))
        if (!shell) throw new Error(`grantlab-preload-shell: no chunk for ${shellModule}`)
        const files = new Set<string>()
        const visit = (fileName: string) => {
          if (files.has(fileName)) return
          files.add(fileName)
          for (const imported of chunks.find((chunk) => chunk.fileName === fileName)?.imports ?? [])
            visit(imported)
        }
        visit(shell.fileName)
        // The entry is loaded by its own script tag already.
        const entries = new Set(chunks.filter((chunk) => chunk.isEntry).map((c) => c.fileName))
        return [...files]
          .filter((fileName) => !entries.has(fileName))
          .map((fileName) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${fileName}` },
            injectTo: 'head' as const,
          }))
      },
    },
  }
}

/** The pages that get an HTML file of their own, by the module of their lazy page. */
const routePages: { html: string; page: string }[] = [
  { html: 'advisor.html', page: '/src/advisor/advisor-page.tsx' },
  { html: 'configure.html', page: '/src/registration/registration-page.tsx' },
  { html: 'walkthrough.html', page: '/src/walkthrough/walkthrough-index-page.tsx' },
]

/**
 * Each walkthrough's page, by the ids `src/flows/flow-summaries.ts` lists. The flow's own chunk is
 * not preloaded: the page draws its heading from the summaries and fetches the flow after that
 * first paint (docs/decisions/143).
 */
function walkthroughPages(): { html: string; page: string }[] {
  const source = readFileSync('src/flows/flow-summaries.ts', 'utf8')
  const pages = [...source.matchAll(/^ {4}id: '([\w-]+)',$/gm)].map(([, id]) => ({
    html: `walkthrough/${id}.html`,
    page: '/src/walkthrough/walkthrough-page.tsx',
  }))
  if (pages.length === 0) throw new Error('grantlab-route-html: no flow in flow-summaries.ts')
  return pages
}

/**
 * One HTML file per main route (`advisor.html` for /advisor, `walkthrough/<id>.html` for each
 * walkthrough; static hosts and `vite preview` serve `<path>.html` for `<path>`), the same as
 * index.html plus a modulepreload of that route's page chunk and what it imports, so that the
 * page's code downloads with the shell instead of one round trip after the entry has run
 * (docs/decisions/091). Every other address, and the worker offline, still get index.html, whose
 * entry fetches the page itself.
 */
function routeHtml(): Plugin {
  return {
    name: 'grantlab-route-html',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const index = bundle['index.html']
      if (index?.type !== 'asset') throw new Error('grantlab-route-html: no index.html')
      const html = String(index.source)
      const chunks = Object.values(bundle).filter((file) => file.type === 'chunk')
      const chunkOf = (module: string) => {
        const chunk = chunks.find((c) => c.moduleIds.some((id) => id.endsWith(module)))
        if (!chunk) throw new Error(`grantlab-route-html: no chunk for ${module}`)
        return chunk
      }
      for (const route of [...routePages, ...walkthroughPages()]) {
        const files = new Set<string>()
        const visit = (fileName: string) => {
          if (files.has(fileName) || html.includes(`/${fileName}"`)) return
          files.add(fileName)
          for (const imported of chunks.find((c) => c.fileName === fileName)?.imports ?? [])
            visit(imported)
        }
        visit(chunkOf(route.page).fileName)
        const links = [...files]
          .map((fileName) => `    <link rel="modulepreload" crossorigin href="/${fileName}">\n`)
          .join('')
        this.emitFile({
          type: 'asset',
          fileName: route.html,
          source: html.replace('  </head>', `${links}  </head>`),
        })
      }
    },
  }
}

/**
 * With GRANTLAB_BUNDLE_STATS=1 (`npm run budget` sets it), writes `bundle-stats.json`: each
 * chunk's modules with their size before minifying, so that a budget failure can say what grew.
 */
function bundleStats(): Plugin {
  return {
    name: 'grantlab-bundle-stats',
    apply: 'build',
    generateBundle(_options, bundle) {
      if (process.env.GRANTLAB_BUNDLE_STATS !== '1') return
      const chunks = Object.values(bundle).flatMap((file) =>
        file.type === 'chunk'
          ? [
              {
                fileName: file.fileName,
                modules: Object.entries(file.modules)
                  .map(([id, module]) => ({
                    id: id
                      .replace(/^\0/, '')
                      .replace(/^.*\/node_modules\//, '')
                      .replace(`${process.cwd()}/`, ''),
                    bytes: module.renderedLength,
                  }))
                  .filter((module) => module.bytes > 0),
              },
            ]
          : [],
      )
      this.emitFile({
        type: 'asset',
        fileName: 'bundle-stats.json',
        source: JSON.stringify(chunks, null, 1),
      })
    },
  }
}

function isShellModule(id: string): boolean {
  const file = id.replaceAll('\\', '/')
  if (
    /\/node_modules\/(react|react-dom|react-router|scheduler|cookie|set-cookie-parser)\//.test(file)
  )
    return true
  if (/\/src\/app\/(main|route-pages)\.tsx?$/.test(file)) return false
  return /\/src\/(app\/|shared\/after-first-paint\.ts$|mock-as\/(register\.ts|mock-server-status\.tsx)$)/.test(
    file,
  )
}

// The mock authorization server is our own service worker (docs/decisions/001).
// vite-plugin-pwa is used only as its bundler: no manifest, no precache, no registration code.
export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    strictCsp(),
    preloadShell('/src/app/start.tsx'),
    routeHtml(),
    bundleStats(),
    staticHostHeaders(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/mock-as',
      filename: 'service-worker.ts',
      injectRegister: false,
      manifest: false,
      // The worker precaches the built app for offline use (self.__WB_MANIFEST); no workbox runtime.
      injectManifest: {
        injectionPoint: 'self.__WB_MANIFEST',
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg}'],
      },
      devOptions: { enabled: true, type: 'module' },
    }),
  ],
  // Framing rules as real response headers (docs/decisions/080): a meta tag cannot carry them.
  server: { headers: devServerHeaders },
  preview: { headers: builtAppHeaders },
  build: {
    // Parallel local runs (several developers' Playwright suites) may each build into their own folder.
    outDir: process.env.GRANTLAB_OUT_DIR ?? 'dist',
    target: 'es2022',
    rolldownOptions: {
      output: {
        // The shell (React, the router, the layout and what every page shares) is one chunk, not
        // several small ones: every first load needs all of it, and each extra request costs a
        // round trip on a slow network (docs/decisions/091). The entry and the route table stay
        // outside, so that the entry can start the page's chunk while the shell downloads.
        codeSplitting: {
          includeDependenciesRecursively: false,
          groups: [{ name: 'shell', test: isShellModule }],
        },
      },
    },
  },
  test: {
    // interop/: third-party libraries and the command line against the real server (issue 13).
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'interop/**/*.test.ts'],
    environment: 'node',
  },
})
