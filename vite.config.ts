import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vitest/config'

/**
 * A strict Content-Security-Policy for the built app (DESIGN: no inline script, nothing leaves
 * the origin). Only in the build: Vite's dev server injects inline styles for hot reload.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

function strictCsp(): Plugin {
  return {
    name: 'grantlab-strict-csp',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace(
        '<meta charset="UTF-8" />',
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}" />`,
      ),
  }
}

// The mock authorization server is our own service worker (docs/decisions/001).
// vite-plugin-pwa is used only as its bundler: no manifest, no precache, no registration code.
export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    strictCsp(),
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
  build: {
    // Parallel local runs (several developers' Playwright suites) may each build into their own folder.
    outDir: process.env.GRANTLAB_OUT_DIR ?? 'dist',
    target: 'es2022',
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
})
