// A person's session, in real Chromium against `npm run serve` on a temp database, without
// reloading where a person would not: set up and train, open the run just trained, reload and a
// second tab mid-run, pause and stop, rename and compare, compare three, delete. Each step checks
// what the user sees against what the lab stored. Each test opens its own tab where it starts and
// trains (or starts from the page) the runs it looks at, so it passes alone or in any order.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeLab, collectPageErrors, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, completedRun, endedRun, runNamed, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { TRAINING_WAIT_MS } from '../helpers/timeouts'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

const dir = tempDir()
let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]

const api = <T>(name: string, body: unknown = {}) => callLab<T>(s, name, body)
const statusOf = async (runId: number) => (await api<{ status: string }>('getRun', { runId })).status
const storedBatches = async (runId: number) => (await api<{ batches: unknown[] }>('runMetrics', { runId })).batches.length

/** A fresh tab on the lab at `path` (such as '#/runs'): where the test starts. */
async function open(path: string): Promise<void> {
  tab = await openLab(browser, s, path, { viewport: { width: 1440, height: 900 } })
  ;({ page, errors } = tab)
}

/** The settings "first mlp" is given in the form below, as the API takes them: a run to train again, rename and compare. */
const FIRST_MLP = {
  architecture: { preset: 'mlp', hidden: [64] },
  epochs: 1,
  batchSize: 20,
  limitTrain: 1500,
  limitTest: 300,
  optimizer: 'adam',
  learningRate: 0.003
}
/** A small run tested on 100 digits: another test set than FIRST_MLP's 300. */
const HUNDRED_DIGITS = { architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, batchSize: 20, limitTrain: 600, limitTest: 100 }

beforeAll(async () => {
  s = await serve(join(dir, 'ui.db'))
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

async function setUp(
  p: Page,
  opts: { model: string; hidden?: string; epochs: string; batch: string; limitTrain: string; limitTest: string; name: string; optimizer?: string; lr?: string }
) {
  await p.getByLabel('Model', { exact: true }).selectOption({ label: opts.model })
  if (opts.hidden) await p.getByLabel('Hidden layer sizes').fill(opts.hidden)
  await p.getByLabel('Run name').fill(opts.name)
  await p.getByLabel('Epochs').fill(opts.epochs)
  await p.getByLabel('Batch size (examples)', { exact: true }).fill(opts.batch)
  await p.getByLabel('Training examples').fill(opts.limitTrain)
  await p.getByLabel('Test examples').fill(opts.limitTest)
  await p.getByLabel('Optimizer').selectOption(opts.optimizer ?? 'sgd')
  await p.getByLabel('Learning rate').fill(opts.lr ?? '0.01')
}

/** The progress line as one line of words. */
const progress = async (p: Page) =>
  ((await p.getByRole('region', { name: 'Training progress' }).locator('.progress-text').textContent()) ?? '').replace(/\s+/g, ' ').trim()
const chartPoints = async (p: Page, title: string) =>
  Number(
    await p
      .locator('figure.chart', { has: p.getByRole('img', { name: title, exact: true }) })
      .first()
      .getAttribute('data-points')
  )

describe('a session in the browser', () => {
  it('says in plain words what is wrong with a setting, empty fields included, and blocks Start', async () => {
    await open('#/train')
    const start = page.getByRole('button', { name: 'Start' })
    await page.getByLabel('Learning rate').fill('')
    await expect.poll(() => page.getByText('Learning rate is empty: enter a number').isVisible()).toBe(true)
    expect(await start.isDisabled()).toBe(true)
    await page.getByLabel('Learning rate').fill('-1')
    await expect.poll(() => page.getByText('Learning rate must be greater than 0').isVisible()).toBe(true)
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'MLP' })
    await page.getByLabel('Hidden layer sizes').fill('64, 0')
    await expect.poll(() => page.getByText('Hidden layer sizes must be at least 1').isVisible()).toBe(true)
    await page.getByLabel('Epochs').fill('two')
    await expect.poll(() => page.getByText('Epochs must be a whole number (got "two")').isVisible()).toBe(true)
    await screenshot(page, 'session-1-validation')
    await page.getByLabel('Epochs').fill('1')
    await page.getByLabel('Learning rate').fill('0.01')
    await page.getByLabel('Hidden layer sizes').fill('64')
    expect(await start.isEnabled()).toBe(true)
  })

  it('trains a run, says its result, and opens it in Runs with every mistake, without a reload', async () => {
    await open('#/train')
    await setUp(page, {
      model: 'MLP',
      hidden: '64',
      name: 'first mlp',
      epochs: '1',
      batch: '20',
      limitTrain: '1500',
      limitTest: '300',
      optimizer: 'adam',
      lr: '0.003'
    })
    await page.getByRole('button', { name: 'Start' }).click()
    // The page follows the run it just started.
    const runId = await runNamed(s, 'first mlp')
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/train\\?run=${runId}$`))
    const result = page.getByRole('status').filter({ hasText: /^Test accuracy/ })
    await expect.poll(() => result.isVisible(), { timeout: TRAINING_WAIT_MS }).toBe(true)
    const wrong = (await api<{ items: unknown[] }>('misclassified', { runId })).items.length
    expect(await result.textContent()).toMatch(new RegExp(`^Test accuracy \\d+\\.\\d% after 1 epoch \\(${wrong} of 300 test digits wrong\\)$`))
    expect(await page.getByRole('heading', { name: `Run ${runId}: first mlp` }).isVisible()).toBe(true)
    // The name field is empty again: the next run will not be named "first mlp" by accident.
    expect(await page.getByLabel('Run name').inputValue()).toBe('')
    await screenshot(page, 'session-2-train-finished')

    // A confusion cell in the Train view opens exactly those digits in Runs.
    const matrix = page.getByRole('table', { name: 'Confusion matrix after epoch 1' })
    const cell = matrix.getByRole('button', { name: /^true (\d), predicted (?!\1)\d: [1-9]\d*$/ }).first()
    const [, truth, predicted, count] = /true (\d), predicted (\d): (\d+)/.exec((await cell.getAttribute('aria-label'))!)!
    await cell.click()
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/runs/${runId}\\?.*truth=${truth}.*predicted=${predicted}`))
    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    await expect.poll(() => gallery.getByRole('button', { name: /^Test digit \d+/ }).count()).toBe(Math.min(48, Number(count)))
    // Every mistake the run stored is in the gallery, and the matrix counts every test digit.
    await gallery.getByLabel('True class').selectOption({ label: 'any' })
    await gallery.getByLabel('Predicted class').selectOption({ label: 'any' })
    await expect
      .poll(async () =>
        (await gallery.getByRole('heading').textContent())
          ?.match(/(\d+) of (\d+)/)
          ?.slice(1)
          .map(Number)
      )
      .toEqual([wrong, wrong])
    const counts = await page
      .getByRole('table', { name: 'Confusion matrix, epoch 1' })
      .getByRole('button')
      .evaluateAll((els) => els.map((e) => Number(/: (\d+)$/.exec(e.getAttribute('aria-label')!)![1])))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300)
    await screenshot(page, 'session-3-runs-after-training')
  })

  it('re-attaches to a run after a reload, in a second tab too: pause, resume and stop work, curves have every point', async () => {
    await open('#/train')
    // Long enough to reload, pause, resume in a second tab and stop on any engine, on a busy
    // machine too (the test stops it): the lab's engine trains 200 epochs of this in under a
    // minute, less than this session can take when the machine is shared.
    await setUp(page, { model: "the course's CNN", name: 'long one', epochs: '1000', batch: '10', limitTrain: '2000', limitTest: '100' })
    await page.getByRole('button', { name: 'Start' }).click()
    const runId = await runNamed(s, 'long one')
    await expect.poll(() => progress(page), { timeout: TRAINING_WAIT_MS }).toMatch(/running · epoch \d+\/1000 · step [1-9]\d*\//)

    await page.reload()
    await expect.poll(() => page.getByRole('heading', { name: `Run ${runId}: long one` }).isVisible()).toBe(true)
    // Start queues another run while this one trains.
    expect(await page.getByRole('button', { name: 'Queue another run' }).isEnabled()).toBe(true)
    const trainingNow = page.getByRole('list', { name: 'Training now' }).getByRole('link', { name: new RegExp(`#${runId} long one`) })
    expect(await trainingNow.isVisible()).toBe(true)
    await page.getByRole('button', { name: 'Pause' }).click()
    await expect.poll(() => progress(page)).toMatch(/^paused · epoch \d+\/1000 · step \d+\/\d+ · paused: no examples\/s, no ETA$/)
    await screenshot(page, 'session-4-paused-after-reload')

    // A second tab on the same server sees the same run, paused, and can resume it.
    const second = await tab!.context.newPage()
    const secondErrors = collectPageErrors(second)
    await second.goto(`${s.origin}/#/train`)
    await expect.poll(() => second.getByRole('heading', { name: `Run ${runId}: long one` }).isVisible()).toBe(true)
    await expect.poll(() => second.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true)
    await second.getByRole('button', { name: 'Resume' }).click()
    await expect.poll(() => progress(page)).toMatch(/^running · .* examples\/s · ETA/)
    await screenshot(second, 'session-5-second-tab')

    // Runs in the first tab follows the live run; after Stop its curve holds every stored point.
    await trainingNow.click()
    await expect.poll(() => page.getByRole('heading', { name: `Run ${runId}: long one` }).isVisible()).toBe(true)
    const before = await chartPoints(page, 'Batch loss')
    await expect.poll(() => chartPoints(page, 'Batch loss')).toBeGreaterThan(before)
    await second.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => statusOf(runId)).toBe('stopped')
    const stored = await storedBatches(runId)
    // Thousands of points read back and drawn after the end.
    await expect.poll(() => chartPoints(page, 'Batch loss')).toBe(stored)
    await expect
      .poll(() =>
        page
          .getByRole('article', { name: `Run ${runId}` })
          .getByText(/^stopped · /)
          .isVisible()
      )
      .toBe(true)
    await expect.poll(() => progress(second)).toMatch(/^stopped · .* · stopped$/)
    expect(await page.getByRole('list', { name: 'Training now' }).count()).toBe(0)
    await screenshot(page, 'session-6-stopped-in-runs')
    expect(secondErrors.join('\n')).toBe('')
    await second.close()
  })

  it('trains again with the settings of a stored run, name left for the new run', async () => {
    await completedRun(s, { ...FIRST_MLP, name: 'source mlp' })
    await open('#/runs')
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'source mlp' }).click()
    await page.getByRole('link', { name: 'Train again with these settings' }).click()
    await expect.poll(() => page.getByLabel('Hidden layer sizes').inputValue()).toBe('64')
    expect(await page.getByLabel('Optimizer').inputValue()).toBe('adam')
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.003')
    expect(await page.getByLabel('Epochs').inputValue()).toBe('1')
    expect(await page.getByLabel('Run name').inputValue()).toBe('')
    expect(page.url()).not.toMatch(/from=/)
  })

  it('renames a run and Compare shows the new name at once, in legends, headers and settings', async () => {
    const a = await completedRun(s, { ...FIRST_MLP, name: 'mlp to rename' })
    const b = await completedRun(s, { ...HUNDRED_DIGITS, name: 'on 100 digits' })
    await open('#/runs')
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'mlp to rename' }).click()
    await page
      .getByRole('article', { name: `Run ${a}` })
      .getByLabel('Run name', { exact: true })
      .fill('renamed mlp')
    await page
      .getByRole('article', { name: `Run ${a}` })
      .getByRole('button', { name: 'Rename' })
      .click()
    await expect.poll(() => page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'renamed mlp' }).isVisible()).toBe(true)
    await page.getByRole('tab', { name: 'Compare' }).click()
    await page.getByLabel(new RegExp(`Compare run ${a}:`)).check()
    await page.getByLabel(new RegExp(`Compare run ${b}:`)).check()
    const settings = page.getByRole('table', { name: 'Settings' })
    await expect.poll(() => settings.getByRole('columnheader', { name: `#${a} renamed mlp` }).isVisible()).toBe(true)
    expect(
      await settings
        .getByRole('row', { name: /Run name/ })
        .getByRole('cell', { name: 'renamed mlp' })
        .isVisible()
    ).toBe(true)
    await page.getByRole('tab', { name: 'Runs' }).click()
    await page
      .getByRole('article', { name: `Run ${a}` })
      .getByLabel('Run name', { exact: true })
      .fill('careful mlp')
    await page
      .getByRole('article', { name: `Run ${a}` })
      .getByRole('button', { name: 'Rename' })
      .click()
    await page.getByRole('tab', { name: 'Compare' }).click()
    await expect.poll(() => settings.getByRole('columnheader', { name: `#${a} careful mlp` }).isVisible()).toBe(true)
    // These two were tested on different digits (300 vs 100): the page says so instead of comparing them.
    expect(await page.getByText(`Runs #${a} and #${b} were tested on different test sets`).isVisible()).toBe(true)
    expect(await page.getByRole('table', { name: /Confusion difference/ }).count()).toBe(0)
    await screenshot(page, 'session-7-compare-renamed')
  })

  it('compares three runs: the user picks the pair for the difference and the galleries', async () => {
    const a = await completedRun(s, { ...FIRST_MLP, name: 'careful mlp' })
    const b = await completedRun(s, { ...HUNDRED_DIGITS, name: 'tested on 100' })
    const c = await completedRun(s, { name: 'third', architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, limitTrain: 600, limitTest: 300, batchSize: 20 })
    await open('#/compare')
    for (const id of [a, b, c]) await page.getByLabel(new RegExp(`Compare run ${id}:`)).check()
    await expect.poll(() => page.getByText('3 runs picked: the difference and the galleries below compare two of them.').isVisible()).toBe(true)
    await page.getByLabel('Run B').selectOption({ label: `#${c} third` })
    const difference = page.getByRole('table', { name: new RegExp(`Confusion difference: #${c} third minus #${a} careful mlp`) })
    await expect.poll(() => difference.isVisible()).toBe(true)
    expect(page.url()).toMatch(new RegExp(`runs=${a}%2C${b}%2C${c}|runs=${a},${b},${c}`))
    expect(page.url()).toMatch(new RegExp(`[?&]b=${c}`))
    // The pair is in the URL: a reload keeps it.
    await page.reload()
    await expect.poll(() => difference.isVisible()).toBe(true)
    // Runs A and C were tested on the same 300 digits: their ledgers apply. The third run is weak,
    // so it gets digits wrong that the first gets right.
    const tiles = page.getByRole('region', { name: `Right in #${a}, wrong in #${c}` }).getByRole('button', { name: /^Test digit/ })
    await expect.poll(() => tiles.count()).toBeGreaterThan(0)
    await tiles.first().click()
    // The digit shows every compared run's probabilities, each labelled by run.
    await expect.poll(() => page.getByRole('list', { name: /^#\d+ / }).count()).toBe(3)
    await screenshot(page, 'session-8-compare-three')
  })

  it('deletes a run and it is gone from every view, the Train view included', async () => {
    // A run stopped after it logged some batches.
    const { runId } = await api<{ runId: number }>('startRun', { name: 'stopped one', epochs: 200, batchSize: 10, limitTrain: 2000, limitTest: 100 })
    await waitFor(`run ${runId} to log a batch`, async () => (await storedBatches(runId)) > 0)
    await api('stopRun', { runId })
    expect((await endedRun(s, runId)).status).toBe('stopped')
    await open(`#/train?run=${runId}`)
    await expect.poll(() => page.getByText(new RegExp(`Run ${runId} \\(stopped one\\) is stopped`)).isVisible()).toBe(true)
    await page.getByRole('tab', { name: 'Runs' }).click()
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'stopped one' }).click()
    await page.getByRole('button', { name: 'Delete run' }).click()
    const dialog = page.getByRole('alertdialog')
    expect(await dialog.getByText(new RegExp(`Delete run ${runId} "stopped one" and everything it logged\\?`)).isVisible()).toBe(true)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect(await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'stopped one' }).count()).toBe(1)
    await page.getByRole('button', { name: 'Delete run' }).click()
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete it' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'stopped one' }).count()).toBe(0)
    await page.getByRole('tab', { name: 'Train' }).click()
    await expect.poll(() => page.getByText(`Run ${runId} was deleted.`).isVisible()).toBe(true)
    await page.getByRole('tab', { name: 'Compare' }).click()
    expect(await page.getByLabel(new RegExp(`Compare run ${runId}:`)).count()).toBe(0)
    await screenshot(page, 'session-9-deleted')
    expect(errors.join('\n')).toBe('')
  })
})
