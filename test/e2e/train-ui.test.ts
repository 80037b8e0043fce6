// A person's first session, in real Chromium against `npm run serve` on a temp database:
// set up a short run, start it, watch it learn, stop another midway, find both in Runs,
// reload and find them still there.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectPageErrors, launch, screenshot } from '../helpers/browser'
import { serve, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()
let s: Served
let browser: Browser
let page: Page
let errors: string[]

beforeAll(async () => {
  s = await serve(join(dir, 'ui.db'))
  browser = await launch()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  errors = collectPageErrors(page)
  await page.goto(s.url)
})
afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

async function setUp(p: Page, opts: { model: string; hidden?: string; epochs: string; batch: string; limitTrain: string; limitTest: string; name: string; optimizer?: string; lr?: string }) {
  await p.getByLabel('Model', { exact: true }).selectOption({ label: opts.model })
  if (opts.hidden) await p.getByLabel('Hidden layer sizes').fill(opts.hidden)
  await p.getByLabel('Run name').fill(opts.name)
  await p.getByLabel('Epochs').fill(opts.epochs)
  await p.getByLabel('Batch size', { exact: true }).fill(opts.batch)
  await p.getByLabel('Limit training examples').fill(opts.limitTrain)
  await p.getByLabel('Limit test examples').fill(opts.limitTest)
  if (opts.optimizer) await p.getByLabel('Optimizer').selectOption(opts.optimizer)
  if (opts.lr) await p.getByLabel('Learning rate').fill(opts.lr)
}

describe('training from the browser', () => {
  it('shows inline validation messages from the shared schema and blocks Start', async () => {
    await page.getByLabel('Learning rate').fill('-1')
    await expect.poll(() => page.getByText('must be greater than 0').isVisible()).toBe(true)
    expect(await page.getByRole('button', { name: 'Start' }).isDisabled()).toBe(true)
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'MLP' })
    await page.getByLabel('Hidden layer sizes').fill('64, 0')
    await expect.poll(() => page.getByText('Too small: expected number to be >=1').isVisible()).toBe(true)
    await page.getByLabel('Learning rate').fill('0.01')
    await page.getByLabel('Hidden layer sizes').fill('64')
    expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true)
  })

  it('starts a short run and shows progress, curves and the model as it learns', async () => {
    await setUp(page, { model: 'MLP', hidden: '64', name: 'first mlp', epochs: '3', batch: '20', limitTrain: '1500', limitTest: '300', optimizer: 'adam', lr: '0.003' })
    await page.getByRole('button', { name: 'Start' }).click()
    const progress = page.getByRole('progressbar', { name: 'Training progress' })
    await progress.waitFor()
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0)
    await expect.poll(() => page.getByText(/examples\/s/).isVisible()).toBe(true)
    await expect.poll(() => page.getByText(/^Backend: (wasm|tensorflow)/).isVisible()).toBe(true)
    await screenshot(page, 'train-running')
    await expect.poll(() => page.getByText(/completed · epoch 3\/3 · step 225\/225/).isVisible(), { timeout: 90_000 }).toBe(true)
    // The layer summary and the per-epoch confusion matrix are there.
    await expect.poll(() => page.getByRole('table', { name: 'Model layers' }).getByText('50,890').isVisible()).toBe(true)
    expect(await page.getByRole('table', { name: 'Confusion matrix after epoch 3' }).isVisible()).toBe(true)
    await screenshot(page, 'train-finished')
  })

  it('stops a second run midway', async () => {
    await setUp(page, { model: 'MLP', hidden: '32', name: 'stopped early', epochs: '40', batch: '10', limitTrain: '2000', limitTest: '100' })
    await page.getByRole('button', { name: 'Start' }).click()
    await expect.poll(() => page.getByText(/running · epoch \d+\/40 · step [1-9]\d*\//).isVisible(), { timeout: 60_000 }).toBe(true)
    await page.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => page.getByText(/stopped · epoch/).isVisible(), { timeout: 30_000 }).toBe(true)
  })

  it('lists both runs in the Runs view, with their curves, and keeps them after a reload', async () => {
    await page.getByRole('tab', { name: 'Runs' }).click()
    const table = page.getByRole('table', { name: 'Runs' })
    await expect.poll(() => table.getByRole('row').count()).toBe(3)
    expect(await table.getByRole('row', { name: /first mlp/ }).getByText('completed', { exact: true }).isVisible()).toBe(true)
    expect(await table.getByRole('row', { name: /stopped early/ }).getByText('stopped', { exact: true }).isVisible()).toBe(true)
    await page.getByLabel('Filter runs').fill('stopped')
    await expect.poll(() => table.getByRole('row').count()).toBe(2)
    await page.getByLabel('Filter runs').fill('')
    await table.getByRole('button', { name: 'first mlp' }).click()
    await expect.poll(() => page.getByRole('heading', { name: /Run 1: first mlp/ }).isVisible()).toBe(true)
    expect(await page.getByRole('img', { name: 'Batch loss' }).isVisible()).toBe(true)
    await page.getByRole('tabpanel', { name: 'Runs' }).getByLabel('Run name', { exact: true }).fill('renamed mlp')
    await page.getByRole('button', { name: 'Rename' }).click()
    await expect.poll(() => table.getByRole('button', { name: 'renamed mlp' }).isVisible()).toBe(true)
    await screenshot(page, 'runs-view')

    await page.reload()
    await page.getByRole('tab', { name: 'Runs' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Runs' }).getByRole('row').count()).toBe(3)
    expect(await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'renamed mlp' }).isVisible()).toBe(true)
  })

  it('deletes a run only after confirmation', async () => {
    const table = page.getByRole('table', { name: 'Runs' })
    await table.getByRole('button', { name: 'stopped early' }).click()
    await page.getByRole('button', { name: 'Delete run' }).click()
    const dialog = page.getByRole('alertdialog')
    expect(await dialog.getByText(/Delete run 2 "stopped early" and everything it logged\?/).isVisible()).toBe(true)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect(await table.getByRole('row').count()).toBe(3)
    await page.getByRole('button', { name: 'Delete run' }).click()
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete it' }).click()
    await expect.poll(() => table.getByRole('row').count()).toBe(2)
    expect(await table.getByRole('button', { name: 'stopped early' }).count()).toBe(0)
    expect(errors.join('\n')).toBe('')
  })
})
