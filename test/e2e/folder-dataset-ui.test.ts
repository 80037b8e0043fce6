// Nothing may assume 10 classes: a 3-class folder dataset with its own class names, trained
// through serve mode, then looked at in real Chromium in every view that shows classes. Each test
// opens its own tab where it starts; the runs trained in the beforeAll hooks are only looked at,
// and the Train view's test trains its own.
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeLab, drawStroke, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { writeFolderDataset } from '../helpers/idx-files'
import { callLab, endedRun, runNamed, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { TRAINING_WAIT_MS } from '../helpers/timeouts'
import { tempDir } from '../helpers/tmp'

const CLASSES = ['top', 'middle', 'bottom']
const TEST_COUNT = 50
const dir = tempDir()
// 28x28 images whose class is a bright row: Draw can read them too.
const dataset = writeFolderDataset(join(dir, 'shapes'), { train: 200, test: TEST_COUNT, classes: CLASSES })
let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]
/** The two 28x28 runs on the 3-class dataset: a small learning rate and a larger one. */
let gentle: number
let bolder: number

const api = <T>(name: string, body: unknown = {}) => callLab<T>(s, name, body)
type Run = { status: string; error: string | null; classNames: string[]; dataset: string; confusion: number[][] | null }
const ended = (runId: number) => endedRun<Run>(s, runId)

/** A fresh tab on the lab at `path` (such as '#/runs'): where the test starts. */
async function open(path: string): Promise<void> {
  tab = await openLab(browser, s, path)
  ;({ page, errors } = tab)
}

/** Column headers and row headers of a matrix, as a person reads them. */
async function headers(table: Locator) {
  return { columns: await table.locator('thead th').allTextContents(), rows: await table.locator('tbody th').allTextContents() }
}
const optionLabels = (select: Locator) => select.locator('option').allTextContents()
const meterNames = (list: Locator) => list.getByRole('meter').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
/** Class names cut off by their column (scrolled content wider than the box), as a person would see them. */
/** Gallery tiles whose caption spills over their border (a tile's content wider than the tile). */
const spillingTiles = (tiles: Locator) => tiles.evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.getAttribute('aria-label')))
const clippedNames = (list: Locator) => list.locator('.cls').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent))

beforeAll(async () => {
  s = await serve(join(dir, 'folder.db'))
  // Plain SGD: with a small step the model stays weak and gets some test images wrong (the
  // gallery has tiles to open); with a big one it gets them right, so the two runs differ.
  const common = { architecture: { preset: 'mlp', hidden: [8] }, dataset, epochs: 3, batchSize: 20 }
  const ids: number[] = []
  for (const [name, learningRate] of [
    ['gentle', 0.001],
    ['bolder', 0.1]
  ] as const) {
    const { runId } = await api<{ runId: number }>('startRun', { ...common, name, learningRate })
    const run = await ended(runId)
    if (run.status !== 'completed') throw new Error(`run ${runId} ended ${run.status}: ${run.error}`)
    expect(run.classNames).toEqual(CLASSES)
    ids.push(runId)
  }
  ;[gentle, bolder] = ids
  const wrong = (await api<{ items: unknown[] }>('misclassified', { runId: gentle })).items.length
  if (wrong === 0) throw new Error(`run ${gentle} got every test image right: the gallery would have no tile to open; weaken its settings`)
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

describe('a 3-class folder dataset', () => {
  it('Runs: a 3x3 confusion matrix headed by the class names, 3 score rows, class filters and 3 probabilities', async () => {
    await open('#/runs')
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'gentle' }).click()
    const matrix = page.getByRole('table', { name: 'Confusion matrix, epoch 3' })
    await matrix.waitFor()
    expect(await headers(matrix)).toEqual({ columns: ['', ...CLASSES], rows: CLASSES })
    const cells = await matrix.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!))
    expect(cells).toHaveLength(9)
    const parsed = cells.map((label) => /^true (\w+), predicted (\w+): (\d+)$/.exec(label))
    expect(parsed.every(Boolean), cells.join('; ')).toBe(true)
    expect(parsed.reduce((a, m) => a + Number(m![3]), 0)).toBe(TEST_COUNT)

    const scores = page.getByRole('table', { name: 'Per-class scores' })
    expect(await scores.getByRole('row').count()).toBe(1 + CLASSES.length)
    expect(await scores.locator('tbody th').allTextContents()).toEqual(CLASSES)

    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    expect(await optionLabels(gallery.getByLabel('True class'))).toEqual(['any', ...CLASSES])
    expect(await optionLabels(gallery.getByLabel('Predicted class'))).toEqual(['any', ...CLASSES])

    // The busiest mistake: its cell opens exactly those images, named by class.
    const [, truth, predicted, count] = parsed.filter((m) => m![1] !== m![2] && Number(m![3]) > 0).sort((x, y) => Number(y![3]) - Number(x![3]))[0]!
    await matrix.getByRole('button', { name: `true ${truth}, predicted ${predicted}: ${count}` }).click()
    const tiles = gallery.getByRole('button', { name: /^Test digit \d+/ })
    await expect.poll(() => tiles.count()).toBe(Number(count))
    expect(await gallery.getByLabel('True class').locator('option:checked').textContent()).toBe(truth)
    const tileLabels = await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    expect(
      tileLabels.every((t) => t!.endsWith(`: true ${truth}, predicted ${predicted}`)),
      tileLabels.join('; ')
    ).toBe(true)
    expect(await spillingTiles(tiles)).toEqual([])
    // Each tile is drawn at the dataset's own size.
    await expect.poll(() => gallery.getByRole('img', { name: /^digit \d+$/ }).count()).toBe(Number(count))
    const tileImage = gallery.getByRole('img', { name: /^digit \d+$/ }).first()
    expect([await tileImage.getAttribute('width'), await tileImage.getAttribute('height')]).toEqual(['28', '28'])

    await tiles.first().click()
    const probs = page.getByRole('list', { name: 'Class probabilities' })
    await probs.waitFor()
    expect(await meterNames(probs)).toEqual(CLASSES.map((c) => `P(${c})`))
    expect(await clippedNames(probs)).toEqual([])
    await screenshot(page, 'folder-runs')
  })

  it('Compare: two runs on it give a 3x3 difference headed by the class names, and a digit read by both', async () => {
    await open('#/compare')
    await page.getByLabel(new RegExp(`Compare run ${gentle}:`)).check()
    await page.getByLabel(new RegExp(`Compare run ${bolder}:`)).check()
    const diff = page.getByRole('table', { name: `Confusion difference: #${bolder} bolder minus #${gentle} gentle` })
    await diff.waitFor()
    expect(await headers(diff)).toEqual({ columns: ['', ...CLASSES], rows: CLASSES })
    const [a, b] = await Promise.all([gentle, bolder].map((runId) => api<Run>('getRun', { runId })))
    const expected = CLASSES.flatMap((t, i) => CLASSES.map((p, j) => `true ${t}, predicted ${p}: ${b.confusion![i][j] - a.confusion![i][j]}`))
    expect(await diff.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(expected)

    const fixed = page.getByRole('region', { name: `Wrong in #${gentle}, right in #${bolder}` })
    expect(await optionLabels(fixed.getByLabel('True class'))).toEqual(['any', ...CLASSES])
    const tiles = fixed.getByRole('button', { name: /^Test digit \d+/ })
    await expect.poll(() => tiles.count(), { message: 'images the bolder run fixed' }).toBeGreaterThan(0)
    expect(await spillingTiles(tiles)).toEqual([])
    await tiles.first().click()
    // Each compared run reads the image afresh: one list per run, one meter per class.
    for (const run of [`#${gentle} gentle`, `#${bolder} bolder`]) {
      const list = page.getByRole('list', { name: run, exact: true })
      await list.waitFor()
      expect(await meterNames(list)).toEqual(CLASSES.map((c) => `P(${c})`))
    }
    await screenshot(page, 'folder-compare')
  })

  it('Draw: a drawing read by the 3-class model gets 3 probabilities named by class', async () => {
    await open('#/draw')
    await page.getByLabel('Model (a stored run)').selectOption(String(gentle))
    await drawStroke(page, [0.15, 0.5], [0.85, 0.5])
    const prediction = page.getByText(/^\s*Prediction:/)
    await expect.poll(() => prediction.isVisible()).toBe(true)
    expect((await prediction.locator('strong').textContent())!).toMatch(new RegExp(`^(${CLASSES.join('|')})$`))
    const list = page.getByRole('list', { name: 'Probabilities' })
    expect(await meterNames(list)).toEqual(CLASSES.map((c) => `P(${c})`))
    expect(await clippedNames(list)).toEqual([])
    const meters = list.getByRole('meter')
    const total = (await meters.evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuenow'))))).reduce((a, b) => a + b, 0)
    expect(total).toBeCloseTo(100, 0)
    expect(await page.getByText(/cannot read them/).count()).toBe(0)
    await screenshot(page, 'folder-draw')
  })

  it('Train: a custom model on the folder typed into Dataset says 3 outputs and shows a 3x3 matrix', async () => {
    await open('#/train')
    await page.getByLabel('Model', { exact: true }).selectOption({ label: 'custom layer list' })
    const legend = page.getByRole('group', { name: /^Layers \(input/ })
    // Before a run the form cannot know the folder's classes, and does not guess 10.
    expect(await legend.locator('legend').textContent()).toMatch(/one output per class \+ softmax\)$/)
    await page.getByLabel('Run name').fill('from the form')
    await page.getByLabel('Dataset').fill(dataset)
    await page.getByLabel('Epochs').fill('1')
    await page.getByLabel('Batch size (examples)', { exact: true }).fill('20')
    await page.getByLabel('Learning rate').fill('0.01')
    await page.getByRole('button', { name: 'Start' }).click()
    // The page follows the run it just started.
    const runId = await runNamed(s, 'from the form')
    await expect.poll(() => page.url()).toMatch(new RegExp(`#/train\\?run=${runId}$`))
    const result = page.getByRole('status').filter({ hasText: /^Test accuracy/ })
    await expect.poll(() => result.isVisible(), { timeout: TRAINING_WAIT_MS }).toBe(true)
    expect(await result.textContent()).toMatch(new RegExp(`of ${TEST_COUNT} test`))
    const run = await api<Run>('getRun', { runId })
    expect({ status: run.status, dataset: run.dataset, classNames: run.classNames }).toEqual({ status: 'completed', dataset, classNames: CLASSES })

    expect(await legend.locator('legend').textContent()).toMatch(/one output per class \(3\) \+ softmax\)$/)
    const matrix = page.getByRole('table', { name: 'Confusion matrix after epoch 1' })
    expect(await headers(matrix)).toEqual({ columns: ['', ...CLASSES], rows: CLASSES })
    expect(await matrix.getByRole('button').count()).toBe(9)
    // The model's last layer has one unit per class.
    const outputShapes = await page.getByRole('table', { name: 'Model layers' }).locator('tbody tr td:nth-child(3)').allTextContents()
    expect(outputShapes[outputShapes.length - 1]).toBe('3')
    await screenshot(page, 'folder-train')
    expect(errors.join('\n')).toBe('')
  })
})

describe('a 12x12 folder dataset', () => {
  const runIds: number[] = []
  const small = join(dir, 'small')
  const drawingNote = 'This run was trained on 12×12 images; drawings are prepared as 28×28 digits, so it cannot read them.'

  beforeAll(async () => {
    writeFolderDataset(small, { size: 12, train: 200, test: TEST_COUNT, classes: CLASSES })
    for (const [name, learningRate] of [
      ['small gentle', 0.001],
      ['small bolder', 0.1]
    ] as const) {
      const { runId } = await api<{ runId: number }>('startRun', {
        architecture: { preset: 'mlp', hidden: [8] },
        dataset: small,
        epochs: 3,
        batchSize: 20,
        name,
        learningRate
      })
      const run = await ended(runId)
      if (run.status !== 'completed') throw new Error(`run ${runId} ended ${run.status}: ${run.error}`)
      runIds.push(runId)
    }
    const wrong = (await api<{ items: unknown[] }>('misclassified', { runId: runIds[0] })).items.length
    if (wrong === 0) throw new Error(`run ${runIds[0]} got every test image right: the galleries would have no tile to open; weaken its settings`)
  })

  it('Runs draws its images at 12x12; Draw, switched to it from a 28x28 run, says it cannot read drawings and shows no reading', async () => {
    await open(`#/runs/${runIds[0]}`)
    const image = page
      .getByRole('region', { name: 'Misclassified digits' })
      .getByRole('img', { name: /^digit \d+$/ })
      .first()
    await image.waitFor()
    expect([await image.getAttribute('width'), await image.getAttribute('height')]).toEqual(['12', '12'])

    await page.getByRole('tab', { name: 'Draw a digit' }).click()
    await page.getByLabel('Model (a stored run)').selectOption(String(gentle))
    await page.getByRole('button', { name: 'Clear' }).click()
    await drawStroke(page, [0.15, 0.5], [0.85, 0.5])
    await expect.poll(() => page.getByText(/^\s*Prediction:/).isVisible()).toBe(true)

    const asked: number[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('/api/predict')) asked.push((JSON.parse(r.postData() ?? '{}') as { runId: number }).runId)
    })
    await page.getByLabel('Model (a stored run)').selectOption(String(runIds[0]))
    await expect.poll(() => page.getByText(drawingNote).isVisible()).toBe(true)
    // The 28x28 run's reading of the drawing is not this run's: it is gone, and this run is not asked.
    expect(await page.getByRole('list', { name: 'Probabilities' }).count()).toBe(0)
    expect(await page.getByText(/^\s*Prediction:/).count()).toBe(0)
    expect(asked).not.toContain(runIds[0])
    expect(await page.getByRole('alert').count()).toBe(0)
    await screenshot(page, 'folder-small-draw')
  })

  it('Draw, switched to a 28x28 run while the 12x12 one is still being looked up, reads the drawing with the run now chosen', async () => {
    await open('#/runs')
    // The 12x12 run's image size is answered late: after the person has chosen the 28x28 run.
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const answered: string[] = []
    await page.route('**/api/testImages', async (route) => {
      const { dataset: asked } = JSON.parse(route.request().postData() ?? '{}') as { dataset: string }
      if (asked === small) await held
      await route.continue()
    })
    page.on('requestfinished', (r) => {
      if (r.url().endsWith('/api/testImages')) answered.push((JSON.parse(r.postData() ?? '{}') as { dataset: string }).dataset)
    })
    await page.getByRole('tab', { name: 'Draw a digit' }).click()
    const model = page.getByLabel('Model (a stored run)')
    const askedSmall = page.waitForRequest(
      (r) => r.url().endsWith('/api/testImages') && (JSON.parse(r.postData() ?? '{}') as { dataset: string }).dataset === small
    )
    await model.selectOption(String(runIds[0]))
    await askedSmall
    await model.selectOption(String(gentle))
    await expect.poll(() => answered.includes(dataset), { message: "the 28x28 run's lookup answered" }).toBe(true)
    release()
    await expect.poll(() => answered.includes(small), { message: "the 12x12 run's late answer arrived" }).toBe(true)

    await drawStroke(page, [0.15, 0.5], [0.85, 0.5])
    await expect.poll(() => page.getByText(/^\s*Prediction:/).isVisible()).toBe(true)
    expect(await page.getByText(drawingNote).count()).toBe(0)
    expect(await meterNames(page.getByRole('list', { name: 'Probabilities' }))).toEqual(CLASSES.map((c) => `P(${c})`))
  })

  it('Compare asks every compared run about a picked 12x12 image, each reading labelled by run', async () => {
    const [a, b] = runIds
    await open(`#/compare?runs=${a},${b}`)
    const diff = page.getByRole('table', { name: `Confusion difference: #${b} small bolder minus #${a} small gentle` })
    await diff.waitFor()
    expect(await headers(diff)).toEqual({ columns: ['', ...CLASSES], rows: CLASSES })
    const gallery = page.getByRole('region', { name: `Wrong in #${a}, right in #${b}` })
    const tiles = gallery.getByRole('button', { name: /^Test digit \d+/ })
    await expect.poll(() => tiles.count(), { message: 'images the bolder run fixed' }).toBeGreaterThan(0)
    await gallery
      .getByRole('img', { name: /^digit \d+$/ })
      .first()
      .waitFor()
    await tiles.first().click()
    // Predictions take any image size the run was trained on, so both runs read the 12x12 image.
    const readings = gallery.getByRole('list', { name: /^#\d+ small / })
    await expect.poll(() => readings.count()).toBe(2)
    for (const list of await readings.all()) expect(await meterNames(list)).toEqual(CLASSES.map((c) => `P(${c})`))
    expect(await gallery.getByRole('alert').count()).toBe(0)
    await screenshot(page, 'folder-small-compare')
    expect(errors.join('\n')).toBe('')
  })
})
