// UI tests in Debian's headless Chromium (never a downloaded browser) against
// `salesgauge demo` on a small emulated company with a fixed "today".
import { defineConfig } from '@playwright/test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const port = process.env.SG_UI_PORT ?? '8093'
const bin = process.env.SG_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? '', '.cache/salesgauge/target'), 'release/salesgauge')
const data = join(tmpdir(), `salesgauge-ui-${process.pid}`)

export default defineConfig({
  testDir: 'e2e',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results',
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `rm -rf '${data}' && exec '${bin}' demo --deals 2500 --today 2026-11-20 --data-dir '${data}' --listen 127.0.0.1:${port} --emulator-listen 127.0.0.1:0`,
    url: `http://127.0.0.1:${port}/api/v1/status`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { SALESGAUGE_BITRIX24__RATE_LIMIT: '100/1000', SALESGAUGE_DEMO__EVENTS_LISTEN: '127.0.0.1:0', SALESGAUGE_LOG: 'warn' },
  },
})
