import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { POLL_EVERY_MS, WAIT_MS } from './test/helpers/timeouts'

export default defineConfig({
  resolve: { alias: { '@shared': resolve('src/shared') } },
  test: {
    // Training tests are CPU-bound and the machines have two cores: run files one at a time.
    fileParallelism: false,
    reporters: ['default', './test/reporters/summary-line.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Every expect.poll waits as long as every other wait (test/helpers/timeouts.ts), not vitest's 1 s.
    expect: { poll: { timeout: WAIT_MS, interval: POLL_EVERY_MS } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/global-setup.ts'] } }
    ]
  }
})
