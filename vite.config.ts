import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vitest/config'

// The mock authorization server is our own service worker (docs/decisions/001).
// vite-plugin-pwa is used only as its bundler: no manifest, no precache, no registration code.
export default defineConfig({
  plugins: [
    react(),
    tailwindcss(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/mock-as',
      filename: 'service-worker.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: { injectionPoint: undefined, rollupFormat: 'iife' },
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
