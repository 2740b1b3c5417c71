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

// The mock authorization server is our own service worker (docs/decisions/001).
// vite-plugin-pwa is used only as its bundler: no manifest, no precache, no registration code.
export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    strictCsp(),
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
  },
  test: {
    // interop/: third-party libraries and the command line against the real server (issue 13).
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'interop/**/*.test.ts'],
    environment: 'node',
  },
})
