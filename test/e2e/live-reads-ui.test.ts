// What a view asks the lab while a run it shows trains, counted at the HTTP layer (serve mode):
// Runs' detail and Compare hold the run's points from the live store and read only what is new at
// each epoch's end; the run's row (getRun) again only once it has ended, every batch (runMetrics
// without `after`) only once.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeLab, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, completedRun, endedRun, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page

const api = <T>(name: string, body: unknown = {}) => callLab<T>(s, name, body)
const storedBatches = async (runId: number) => (await api<{ batches: unknown[] }>('runMetrics', { runId })).batches.length

/** Three epochs, long enough to be paused before the first ends on any engine. */
const THREE_EPOCHS = { name: 'three epochs', architecture: { preset: 'mlp', hidden: [32] }, epochs: 3, batchSize: 10, limitTrain: 3000, limitTest: 200 }

interface Sent {
  name: string
  body: Record<string, unknown>
}

/** Every API request the page sends, by name and payload, as the browser puts it on the wire. */
function recordRequests(p: Page): Sent[] {
  const sent: Sent[] = []
  p.on('request', (r) => {
    const m = /^\/api\/(\w+)$/.exec(new URL(r.url()).pathname)
    if (m && r.method() === 'POST') sent.push({ name: m[1], body: JSON.parse(r.postData() || '{}') as Record<string, unknown> })
  })
  return sent
}

/** How many `name` requests went out about run `runId`; `full`: runMetrics without `after` only, `after`: with it only. */
function count(sent: Sent[], name: string, runId: number, which: 'any' | 'full' | 'after' = 'any'): number {
  return sent.filter((r) => r.name === name && r.body.runId === runId && (which === 'any' || (which === 'full') === (r.body.after === undefined))).length
}

/** A run of THREE_EPOCHS, paused once it has logged a batch: the page opens on it before its first epoch ends. */
async function pausedRun(name: string): Promise<number> {
  const { runId } = await api<{ runId: number }>('startRun', { ...THREE_EPOCHS, name })
  await waitFor(`run ${runId} to log a batch`, async () => (await storedBatches(runId)) > 0)
  await api('pauseRun', { runId })
  await waitFor(`run ${runId} to pause`, async () => (await api<{ status: string }>('getRun', { runId })).status === 'paused')
  const epochs = (await api<{ epochs: unknown[] }>('runMetrics', { runId })).epochs.length
  if (epochs) throw new Error(`run ${runId} ended ${epochs} epoch(s) before it was paused: the counts below would not see them`)
  return runId
}

/** A fresh tab on the Runs table, its API requests recorded from then on: a view opened from there is counted from its start. */
async function openRecorded(): Promise<Sent[]> {
  tab = await openLab(browser, s, '#/runs', { viewport: { width: 1440, height: 900 } })
  page = tab.page
  await expect.poll(() => page.getByRole('table', { name: 'Runs' }).isVisible()).toBe(true)
  return recordRequests(page)
}

const chartPoints = async (p: Page, title: string) =>
  Number(
    await p
      .locator('figure.chart', { has: p.getByRole('img', { name: title, exact: true }) })
      .first()
      .getAttribute('data-points')
  )

beforeAll(async () => {
  s = await serve(join(tempDir(), 'live-reads.db'))
  browser = await launch()
})
afterEach(async (ctx) => {
  await closeLab(tab, ctx)
  tab = undefined
  await stopActiveRuns(s)
})
afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

describe('a run training under an open view', () => {
  it("Runs' detail reads the run's row twice and its batches once over three epochs", async () => {
    const runId = await pausedRun('watched in runs')
    const sent = await openRecorded()
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'watched in runs' }).click()
    const article = page.getByRole('article', { name: `Run ${runId}` })
    await expect.poll(() => article.getByText(/^paused · /).isVisible()).toBe(true)
    await api('resumeRun', { runId })
    expect((await endedRun(s, runId)).status).toBe('completed')
    // The page shows the end: the result in words, and every stored batch on the curve.
    await expect
      .poll(() =>
        article
          .getByRole('status')
          .filter({ hasText: /^Test accuracy .* after 3 epochs/ })
          .isVisible()
      )
      .toBe(true)
    const stored = await storedBatches(runId)
    await expect.poll(() => chartPoints(page, 'Batch loss')).toBe(stored)
    const counted = () => ({
      getRun: count(sent, 'getRun', runId),
      full: count(sent, 'runMetrics', runId, 'full'),
      after: count(sent, 'runMetrics', runId, 'after')
    })
    console.log(`Runs detail over 3 epochs: ${JSON.stringify(counted())}`)
    await expect.poll(() => count(sent, 'getRun', runId)).toBe(2)
    await screenshot(page, 'live-reads-1-runs-detail')
    const counts = counted()
    // Once when opened, once when the run ended; every batch once, then only the new ones at each epoch's end and at the end.
    expect(counts).toMatchObject({ getRun: 2, full: 1 })
    expect(counts.after).toBeGreaterThanOrEqual(1)
    expect(counts.after).toBeLessThanOrEqual(4)
  })

  it('Compare reads a training run the same way, and a finished one once', async () => {
    const done = await completedRun(s, { ...THREE_EPOCHS, name: 'finished before', epochs: 1, limitTrain: 300 })
    const runId = await pausedRun('watched in compare')
    const sent = await openRecorded()
    await page.getByRole('tab', { name: 'Compare' }).click()
    for (const id of [done, runId]) await page.getByLabel(new RegExp(`Compare run ${id}:`)).check()
    const metrics = page.getByRole('table', { name: 'Metrics' })
    await expect.poll(() => metrics.getByRole('columnheader', { name: `#${runId} watched in compare` }).isVisible()).toBe(true)
    await api('resumeRun', { runId })
    expect((await endedRun(s, runId)).status).toBe('completed')
    // Its final figures in the table: the page followed it to its end.
    const final = (await api<{ finalTestLoss: number }>('getRun', { runId })).finalTestLoss
    await expect
      .poll(() =>
        metrics
          .getByRole('row', { name: /^Final test loss/ })
          .getByRole('cell')
          .nth(1)
          .textContent()
      )
      .toBe(final.toFixed(4))
    const counted = () => ({
      getRun: count(sent, 'getRun', runId),
      full: count(sent, 'runMetrics', runId, 'full'),
      after: count(sent, 'runMetrics', runId, 'after')
    })
    console.log(`Compare over 3 epochs: ${JSON.stringify(counted())}`)
    await expect.poll(() => count(sent, 'getRun', runId)).toBe(2)
    await screenshot(page, 'live-reads-2-compare')
    const counts = counted()
    expect(counts).toMatchObject({ getRun: 2, full: 1 })
    expect(counts.after).toBeGreaterThanOrEqual(1)
    expect(counts.after).toBeLessThanOrEqual(4)
    // The finished run is read once and never again.
    expect({ getRun: count(sent, 'getRun', done), runMetrics: count(sent, 'runMetrics', done) }).toEqual({ getRun: 1, runMetrics: 1 })
  })
})
