// A sweep from the browser: set a small base in the Train form, sweep two settings, watch the
// sweep's progress, read its charts, and send two of its runs to Compare.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openPage, screenshot, screenshotOnFailure } from '../helpers/browser'
import { serve, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'

let s: Served
let browser: Browser
let page: Page
let errors: string[]

beforeAll(async () => {
  s = await serve(join(tempDir(), 'sweep.db'))
  ;({ browser, page, errors } = await openPage(s.url, { viewport: { width: 1440, height: 900 } }))
})
afterEach((ctx) => screenshotOnFailure(page, ctx))
afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

describe('a sweep in the browser', () => {
  it('starts a 2x2 sweep from the Train form, shows it progress, its charts and its ranking, and sends two runs to Compare', async () => {
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
    await page.getByRole('button', { name: 'Start sweep' }).click()
    await expect.poll(() => page.url()).toMatch(/#\/sweeps\/1$/)
    const detail = page.getByRole('region', { name: 'Sweep 1' })
    await expect.poll(() => detail.getByRole('heading', { name: 'Sweep 1: Learning rate × Activation' }).isVisible()).toBe(true)
    await expect.poll(() => detail.locator('.progress-text').textContent(), { timeout: 120_000 }).toBe('4 of 4 runs done')
    // One line per run on the parallel coordinates, one row per value in each setting's table.
    await expect.poll(() => detail.getByRole('img', { name: 'Parallel coordinates of the sweep' }).locator('path').count()).toBe(4)
    const byRate = detail.getByRole('table', { name: 'Test accuracy by learning rate' })
    expect(await byRate.locator('tbody tr').count()).toBe(2)
    expect(await detail.getByRole('table', { name: 'Test accuracy by activation' }).locator('tbody tr').count()).toBe(2)
    const rows = detail.getByRole('table', { name: 'Sweep runs' }).locator('tbody tr')
    expect(await rows.count()).toBe(4)
    // Best first.
    const accs = (await rows.locator('td:nth-child(4)').allTextContents()).map((t) => Number.parseFloat(t))
    expect(accs).toEqual([...accs].sort((a, b) => b - a))
    await screenshot(page, 'sweep-2-done')
    await detail.getByLabel(/Pick run \d+/).nth(0).check()
    await detail.getByLabel(/Pick run \d+/).nth(1).check()
    await detail.getByRole('button', { name: 'Compare the 2 picked' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Settings' }).locator('thead th').count()).toBe(3)
    await screenshot(page, 'sweep-3-compare')
    expect(errors.join('\n')).toBe('')
  })
})
