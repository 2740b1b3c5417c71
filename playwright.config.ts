import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'

// Debian's Chromium here and in CI (no browser downloads); Playwright's own browser elsewhere.
const debianChromium = '/usr/bin/chromium'
const port = Number(process.env.E2E_PORT ?? 4173)
const outDir = process.env.GRANTLAB_OUT_DIR ?? 'dist'

export default defineConfig({
  // e2e/: the app; interop/: third-party libraries against the Node mock server (issue 13).
  testDir: '.',
  testMatch: ['e2e/**/*.spec.ts', 'interop/**/*.spec.ts'],
  // One output folder per build folder, so parallel local runs do not delete each other's traces.
  outputDir: `test-results/${outDir}`,
  fullyParallel: false,
  // Two browsers at once: most of a run is waiting (polling intervals, expiry), not CPU. Spec files
  // that start Node servers use ports of their own, so they never collide.
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  timeout: 60_000,
  reporter: process.env.CI ? 'list' : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    serviceWorkers: 'allow',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: existsSync(debianChromium) ? debianChromium : undefined,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    env: { GRANTLAB_OUT_DIR: outDir },
    reuseExistingServer: false,
    timeout: 180_000,
  },
})
