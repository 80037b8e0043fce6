// Understanding a model, in real Chromium through serve mode: confusion matrix and its digits,
// the gallery, comparing two runs, drawing a digit, exporting metrics and the model. Each test
// opens its own tab where it starts; the two runs trained once below are only looked at, and the
// coach's test trains its own.
import * as tf from '@tensorflow/tfjs'
import { unzipSync } from 'fflate'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import '../../src/main/lab/model/maxout'
import { closeLab, drawStroke, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, endedRun, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()
let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]
/** The two runs every test looks at: the same MLP with a small and a larger learning rate. */
let careful: number
let bold: number

type RunReply = { runId: number; status: string; error: string | null }
const api = (name: string, body: unknown) => callLab<RunReply>(s, name, body)

/** A fresh tab on the lab at `path` (such as '#/runs'): where the test starts. Downloads are kept, for the exports. */
async function open(path: string): Promise<void> {
  tab = await openLab(browser, s, path, { acceptDownloads: true })
  ;({ page, errors } = tab)
}

beforeAll(async () => {
  s = await serve(join(dir, 'understand.db'))
  // 600 test digits: enough that the careful run gets more than one gallery page wrong.
  const common = { architecture: { preset: 'mlp', hidden: [32] }, optimizer: 'adam', epochs: 2, limitTrain: 1500, limitTest: 600, batchSize: 50 }
  careful = (await api('startRun', { ...common, name: 'careful', learningRate: 0.001 })).runId
  bold = (await api('startRun', { ...common, name: 'bold', learningRate: 0.01 })).runId
  for (const runId of [careful, bold]) {
    // The second run may wait its turn: serve trains one run per two cores at once.
    const run = await endedRun<RunReply>(s, runId)
    if (run.status !== 'completed') throw new Error(`run ${runId} ended ${run.status}: ${run.error}`)
  }
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

describe('understanding a run', () => {
  it("opens a finished run's confusion matrix, clicks a cell and sees exactly those digits", async () => {
    await open('#/runs')
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'careful' }).click()
    const matrix = page.getByRole('table', { name: 'Confusion matrix, epoch 2' })
    await matrix.waitFor()
    expect(await page.getByRole('table', { name: 'Per-class scores' }).getByRole('row').count()).toBe(11)
    // The busiest off-diagonal cell.
    const cells = await matrix.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!))
    const offDiagonal = cells
      .map((label) => /true (\d), predicted (\d): (\d+)/.exec(label)!)
      .filter((m) => m[1] !== m[2] && Number(m[3]) > 0)
      .sort((x, y) => Number(y[3]) - Number(x[3]))[0]
    const [, truth, predicted, count] = offDiagonal
    await matrix.getByRole('button', { name: `true ${truth}, predicted ${predicted}: ${count}` }).click()
    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    await expect.poll(() => gallery.getByRole('button', { name: /^Test digit \d+/ }).count()).toBe(Number(count))
    const tiles = await gallery.getByRole('button', { name: /^Test digit \d+/ }).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    expect(tiles.every((t) => t!.endsWith(`true ${truth}, predicted ${predicted}`))).toBe(true)
    await expect.poll(() => gallery.getByRole('img', { name: /^digit \d+$/ }).count()).toBe(Number(count))
    await screenshot(page, 'confusion-cell-digits')
  })

  it('browses the gallery: any class, sorted by loss, paged, with the 10 probabilities of a digit', async () => {
    await open(`#/runs/${careful}`)
    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    await gallery.getByLabel('True class').selectOption({ label: 'any' })
    await gallery.getByLabel('Predicted class').selectOption({ label: 'any' })
    await gallery.getByLabel('Sort by').selectOption('loss')
    // Every mistake the run stored, once the page has read them: more than one page of tiles.
    const total = (await callLab<{ items: unknown[] }>(s, 'misclassified', { runId: careful })).items.length
    await expect.poll(async () => Number((await gallery.getByRole('heading').textContent())?.match(/(\d+) of (\d+)/)?.[2])).toBe(total)
    expect(total).toBeGreaterThan(48)
    await gallery
      .getByRole('button', { name: /^Test digit \d+/ })
      .first()
      .click()
    const probs = page.getByRole('list', { name: 'Class probabilities' })
    await probs.waitFor()
    expect(await probs.getByRole('meter').count()).toBe(10)
    await gallery.getByRole('button', { name: 'Next page' }).click()
    await expect.poll(() => gallery.getByText('page 2 /').isVisible()).toBe(true)
    // The page is part of the URL: a reload comes back to it.
    expect(page.url()).toMatch(/[?&]page=1\b/)
    await page.reload()
    await expect.poll(() => page.getByRole('region', { name: 'Misclassified digits' }).getByText('page 2 /').isVisible()).toBe(true)
    await page.getByLabel('Epoch', { exact: true }).fill('1')
    await expect.poll(() => page.getByRole('table', { name: 'Confusion matrix, epoch 1' }).isVisible()).toBe(true)
    await screenshot(page, 'gallery')
  })

  it('exports the metrics as CSV and the model as model.json + weights.bin', async () => {
    await open(`#/runs/${careful}`)
    const csvDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export metrics (CSV)' }).click()
    expect((await csvDownload).suggestedFilename()).toBe(`run-${careful}-careful-metrics.csv`)
    const csv = readFileSync((await (await csvDownload).path())!, 'utf8')
      .trim()
      .split('\n')
    expect(csv[0]).toBe('run_id,run_name,kind,epoch,step,loss,accuracy,test_loss,test_accuracy,elapsed_seconds,epoch_seconds,examples_per_sec')
    expect(csv.filter((l) => l.includes(',batch,'))).toHaveLength(60)
    expect(csv.slice(1).filter((l) => l.includes(',epoch,'))).toHaveLength(2)

    const pngDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export charts (PNG)' }).click()
    const pngFile = await pngDownload
    expect(pngFile.suggestedFilename()).toBe(`run-${careful}-careful-curves.png`)
    const png = readFileSync((await pngFile.path())!)
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
    expect(png.length).toBeGreaterThan(2000)

    const modelDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export model (.zip)' }).click()
    const zipFile = await modelDownload
    expect(zipFile.suggestedFilename()).toBe(`run-${careful}-careful-model.zip`)
    const byName = unzipSync(new Uint8Array(readFileSync((await zipFile.path())!)))
    expect(Object.keys(byName).sort()).toEqual(['model.json', 'weights.bin'])
    const json = JSON.parse(Buffer.from(byName['model.json']).toString('utf8'))
    const weights = Buffer.from(byName['weights.bin'])
    expect(weights.length).toBe((784 * 32 + 32 + 32 * 10 + 10) * 4)
    const model = await tf.loadLayersModel(tf.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights, new Uint8Array(weights).buffer))
    expect(model.outputs[0].shape).toEqual([null, 10])
  })

  it('compares the two runs: overlaid curves, only the settings that differ, confusion difference, digit ledger', async () => {
    await open('#/compare')
    await page.getByLabel(new RegExp(`Compare run ${careful}:`)).check()
    await page.getByLabel(new RegExp(`Compare run ${bold}:`)).check()
    const hp = page.getByRole('table', { name: 'Settings' })
    await expect.poll(() => hp.getByRole('row', { name: /Learning rate/ }).isVisible()).toBe(true)
    expect(await hp.getByRole('row', { name: /Batch size/ }).isVisible()).toBe(true)
    await page.getByLabel('Only show differences').check()
    await expect.poll(() => hp.getByRole('row', { name: /Batch size/ }).count()).toBe(0)
    const rows = await hp.locator('tbody th').allTextContents()
    expect(rows.sort()).toEqual(['Learning rate', 'Run name'])
    expect(await page.getByRole('img', { name: 'Test accuracy' }).isVisible()).toBe(true)
    await page.getByLabel('X axis').selectOption('time')
    await page.getByLabel('Log scale').check()
    expect(await page.getByRole('table', { name: new RegExp(`Confusion difference: #${bold} bold minus #${careful} careful`) }).isVisible()).toBe(true)
    expect(await page.getByRole('region', { name: `Right in #${careful}, wrong in #${bold}` }).isVisible()).toBe(true)
    expect(await page.getByRole('region', { name: 'Wrong in all 2 selected runs' }).isVisible()).toBe(true)
    await screenshot(page, 'compare')
  })

  it('reads a drawn digit with a stored model and shows the 28x28 input it saw', async () => {
    await open('#/draw')
    await page.getByLabel('Model (a stored run)').selectOption({ value: String(bold) })
    await drawStroke(page, [0.5, 0.15], [0.5, 0.85])
    await expect.poll(() => page.getByText(/^\s*Prediction:/).isVisible()).toBe(true)
    expect(await page.getByRole('img', { name: 'Preprocessed 28 by 28 input' }).isVisible()).toBe(true)
    expect(await page.getByRole('list', { name: 'Probabilities' }).getByRole('meter').count()).toBe(10)
    await screenshot(page, 'draw')
    expect(errors.join('\n')).toBe('')
  })
  it("shows the coach's reading of a collapsed run, and its button opens Train with the change applied", async () => {
    const { runId } = await api('startRun', { name: 'too bold', learningRate: 10, epochs: 1, limitTrain: 2000, limitTest: 300 })
    const run = await endedRun<RunReply>(s, runId)
    expect(run.status).toBe('completed')
    await open('#/runs')
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'too bold' }).click()
    const coach = page.getByRole('region', { name: `Coach for run ${runId}` })
    await expect.poll(() => coach.getByText(/has collapsed to one class/).isVisible()).toBe(true)
    await screenshot(page, 'coach')
    // The collapse's own suggestion (the loss may also have exploded, with the same advice).
    await coach.locator('li.collapsed').getByRole('link', { name: 'Try learning rate 1' }).click()
    await expect.poll(() => page.getByLabel('Learning rate').inputValue()).toBe('1')
    expect(await page.getByLabel('Run name').inputValue()).toBe('')
    // The form says where its settings came from and what the coach changed.
    expect(await page.getByRole('region', { name: 'Set up a run' }).locator('.filled-from').textContent()).toBe(
      `The settings of run ${runId} (too bold), with Learning rate set to 1. Press Start to try them.`
    )
    expect(page.url()).not.toMatch(/apply=|from=/)
    expect(errors.join('\n')).toBe('')
  })
})
