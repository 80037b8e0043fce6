// A sweep from the browser: set a small base in the Train form, sweep two settings, watch the
// sweep's progress, read its charts, and send two of its runs to Compare.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeLab, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { TRAINING_WAIT_MS } from '../helpers/timeouts'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]

beforeAll(async () => {
  s = await serve(join(tempDir(), 'sweep.db'))
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

describe('a sweep in the browser', () => {
  it('starts a 2x2 sweep from the Train form, shows it progress, its charts and its ranking, and sends two runs to Compare', async () => {
    tab = await openLab(browser, s, '#/train', { viewport: { width: 1440, height: 900 } })
    ;({ page, errors } = tab)
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'MLP' })
    await page.getByLabel('Hidden layer sizes').fill('16')
    await page.getByLabel('Training examples').fill('300')
    await page.getByLabel('Test examples').fill('100')
    await page.getByText('Sweep: try several values at once').click()
    expect(await page.getByLabel('Setting 1', { exact: true }).inputValue()).toBe('learningRate')
    expect(await page.getByLabel('Setting 2', { exact: true }).inputValue()).toBe('activation')
    await page.getByLabel('Values to try for setting 1').fill('0.01, 0.1')
    await page.getByLabel('Values to try for setting 2').fill('relu, tanh')
    await expect.poll(() => page.locator('.sweep-count').textContent()).toMatch(/^4 runs/)
    await screenshot(page, 'sweep-1-panel')
    const sweepIds = async () => (await callLab<{ id: number }[]>(s, 'listSweeps')).map((w) => w.id)
    const before = await sweepIds()
    await page.getByRole('button', { name: 'Start sweep' }).click()
    // The page follows the sweep it just started.
    const sweepId = await waitFor('the sweep to start', async () => (await sweepIds()).find((id) => !before.includes(id)))
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/sweeps/${sweepId}$`))
    const detail = page.getByRole('region', { name: `Sweep ${sweepId}` })
    await expect.poll(() => detail.getByRole('heading', { name: `Sweep ${sweepId}: Learning rate × Activation` }).isVisible()).toBe(true)
    await expect.poll(() => detail.locator('.progress-text').textContent(), { timeout: TRAINING_WAIT_MS }).toBe('4 of 4 runs done')
    // One line per run on the parallel coordinates, one row per value in each setting's table.
    await expect.poll(() => detail.getByRole('img', { name: 'Parallel coordinates of the sweep' }).locator('path').count()).toBe(4)
    // The sweep read as a whole: the same sentence as the lab's own reading of it.
    const { reading } = await callLab<{ reading: { message: string } }>(s, 'getSweep', { sweepId })
    await expect.poll(() => detail.getByRole('note', { name: 'What the sweep shows' }).textContent()).toBe(reading.message)
    expect(reading.message).toMatch(/moved test accuracy most: from \d+\.\d% \(.+\) to \d+\.\d% \(.+\), a spread of \d+\.\d points between the means of 4 runs/)
    const byRate = detail.getByRole('table', { name: 'Test accuracy by learning rate' })
    expect(await byRate.locator('tbody tr').count()).toBe(2)
    expect(await detail.getByRole('table', { name: 'Test accuracy by activation' }).locator('tbody tr').count()).toBe(2)
    const rows = detail.getByRole('table', { name: 'Sweep runs' }).locator('tbody tr')
    expect(await rows.count()).toBe(4)
    // Best first.
    const accs = (await rows.locator('td:nth-child(4)').allTextContents()).map((t) => Number.parseFloat(t))
    expect(accs).toEqual([...accs].sort((a, b) => b - a))
    await screenshot(page, 'sweep-2-done')
    await detail
      .getByLabel(/Pick run \d+/)
      .nth(0)
      .check()
    await detail
      .getByLabel(/Pick run \d+/)
      .nth(1)
      .check()
    await detail.getByRole('button', { name: 'Compare the 2 picked' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Settings' }).locator('thead th').count()).toBe(3)
    await screenshot(page, 'sweep-3-compare')
    expect(errors.join('\n')).toBe('')
  })
})
