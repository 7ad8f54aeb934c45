import { defineConfig } from '@playwright/test';

// Run through scripts/test.sh, which builds and starts a fresh server on a
// free port and passes its address in BASE_URL. Run by hand against
// `scripts/run.sh` (port 3000) with E2E_ADMIN_USERNAME / E2E_ADMIN_PASSWORD.
export default defineConfig({
  testDir: 'tests',
  // One server and one database for the whole run: tests share state, so
  // they run one at a time, in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // Generous: the debug WASM bundle is large and the CI machine has 2 cores.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  use: {
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    video: 'off',
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        // Debian's Chromium: Playwright's own browser download is not
        // reachable from these machines.
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
          // --no-sandbox: CI runs as root; the rest keeps Chromium from
          // calling home on a machine without general internet access.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
