// Looking inside a network, in real Chromium through serve mode: histograms over training,
// first-layer filters by epoch, the embedding map and its link to the confusion matrix, one
// digit's feature maps (from the gallery, the map and the Draw view), an MLP, a run that is
// still training, and a reload back to the same place. Each test opens its own tab where it
// starts; the course CNN and the small MLP trained once below are only looked at, never changed,
// and a test that needs another run trains its own.
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunInside } from '../../src/shared/inside'
import { mapScale } from '../../src/renderer/src/lib/embedding-scale'
import { closeLab, drawStroke, launch, openLab, SCREENSHOTS, type LabTab } from '../helpers/browser'
import { writeFolderDataset } from '../helpers/idx-files'
import { callLab, endedRun, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

const dir = tempDir()
let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]
let cnn: number
let mlp: number

type RunReply = { runId: number; status: string; error: string | null }
const api = <T = RunReply>(name: string, body: unknown) => callLab<T>(s, name, body)
/** A part of the page, as the student sees it. */
const shoot = (where: Locator, name: string) => where.screenshot({ path: join(SCREENSHOTS, `inside-${name}.png`) })
/** A canvas as the page sees it: this file is typechecked without the DOM's types. */
interface PageCanvas {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
  toDataURL(): string
}
// The functions below run in the page: they may use types (erased) but nothing of this file's scope.
/** A canvas's size in pixels. */
const sizeOf = (canvas: Locator) => canvas.evaluate((el) => [(el as unknown as PageCanvas).width, (el as unknown as PageCanvas).height])
/** Pixels of a canvas that are not white: a drawn chart has many. */
const inked = (canvas: Locator) =>
  canvas.evaluate((el) => {
    const c = el as unknown as PageCanvas
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    let n = 0
    for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++
    return n
  })
const pixelsOf = (canvas: Locator) => canvas.evaluate((el) => (el as unknown as PageCanvas).toDataURL())

/** A fresh tab on the lab at `path` (such as '#/runs'): where the test starts. */
async function open(path: string): Promise<void> {
  tab = await openLab(browser, s, path)
  ;({ page, errors } = tab)
}

async function openRun(name: string) {
  await page.getByRole('tab', { name: 'Runs' }).click()
  await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name, exact: true }).click()
  await page.getByRole('heading', { name: new RegExp(`^Run \\d+: ${name}$`) }).waitFor()
}
async function openInside(): Promise<Locator> {
  const toggle = page.getByRole('button', { name: 'Inside the network' })
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
  await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('true')
  return page.getByRole('region', { name: 'Inside the network' })
}

beforeAll(async () => {
  s = await serve(join(dir, 'inside.db'))
  // 1,000 test digits: fewer than the embedding's 2,000, so the map holds every digit of the matrix.
  const common = { epochs: 2, limitTest: 1000, optimizer: 'adam', learningRate: 0.001 }
  cnn = (await api('startRun', { ...common, name: 'course cnn', limitTrain: 3000, batchSize: 32 })).runId
  mlp = (await api('startRun', { ...common, name: 'small mlp', architecture: { preset: 'mlp', hidden: [32] }, limitTrain: 2000, batchSize: 50 })).runId
  for (const runId of [cnn, mlp]) {
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

describe('inside the network', () => {
  it("draws a heat strip per weight layer, for weights and for gradients, with each layer's gradient norm and update ratio", async () => {
    await open('#/runs')
    await openRun('course cnn')
    const panel = await openInside()
    const histograms = panel.getByRole('region', { name: 'Histograms over training' })
    const strips = histograms.getByRole('img', { name: /^Weights of / })
    // The course CNN: two conv layers and two dense ones.
    await expect.poll(() => strips.count()).toBe(4)
    expect(await strips.first().getAttribute('aria-label')).toBe('Weights of conv 1 (10 filters 5x5)')
    for (const strip of await strips.all()) expect(await inked(strip)).toBeGreaterThan(2000)
    const weightsPicture = await pixelsOf(strips.first())
    await histograms.getByRole('button', { name: 'Gradients' }).click()
    const gradients = histograms.getByRole('img', { name: /^Gradients of / })
    await expect.poll(() => gradients.count()).toBe(4)
    expect(await pixelsOf(gradients.first())).not.toBe(weightsPicture)
    await histograms.getByRole('button', { name: 'Weights' }).click()

    const signals = panel.getByRole('table', { name: 'Gradient norm and update ratio' })
    expect(await signals.locator('tbody tr').count()).toBe(4)
    expect(await signals.getByRole('img', { name: /^Update ratio of / }).count()).toBe(4)
    // Latest point by default: the end of epoch 2; the slider chooses another, and the tables follow.
    const activations = panel.getByRole('table', { name: 'Activations on the probe batch' })
    await expect.poll(() => activations.locator('caption').textContent()).toMatch(/Activations at end of epoch 2/)
    expect(await activations.locator('tbody tr').count()).toBe(3) // relu after conv 1, conv 2, dense 1
    await panel.getByLabel('Recorded point').fill('0')
    // Step 10 has no probe pass of its own: the table shows the next epoch end, and says so.
    await expect.poll(() => activations.locator('caption').textContent()).toMatch(/Activations at end of epoch 1 .*this is the next one/)
    await shoot(histograms, 'histograms')
    await shoot(panel.getByRole('table', { name: 'Gradient norm and update ratio' }), 'signals')
  })

  it('shows the first-layer filters as training began and per epoch: the slider changes them', async () => {
    await open('#/runs')
    await openRun('course cnn')
    const filters = (await openInside()).getByRole('region', { name: 'First-layer filters' })
    const last = filters.getByRole('list', { name: 'Filters at the end of epoch 2' })
    await expect.poll(() => last.getByRole('img').count()).toBe(10)
    const before = await pixelsOf(last.getByRole('img').first())
    await filters.getByLabel('Filters kept at', { exact: true }).fill('1')
    const first = filters.getByRole('list', { name: 'Filters at the end of epoch 1' })
    await expect.poll(() => first.getByRole('img').count()).toBe(10)
    expect(await pixelsOf(first.getByRole('img').first())).not.toBe(before)
    // And as training began: the same filters before most of their learning.
    await filters.getByLabel('Filters kept at', { exact: true }).fill('0')
    const start = filters.getByRole('list', { name: 'Filters at step 1 (as training began)' })
    await expect.poll(() => start.getByRole('img').count()).toBe(10)
    expect(await pixelsOf(start.getByRole('img').first())).not.toBe(before)
    await shoot(filters, 'filters-start')
    await filters.getByLabel('Filters kept at', { exact: true }).fill('2')
    await shoot(filters, 'filters')
    await shoot(page.getByRole('region', { name: 'Inside the network' }), 'panel')
  })

  it('shows a digit and its probabilities from a point of the embedding map; a confusion cell lights up exactly its digits', async () => {
    await open('#/runs')
    await openRun('course cnn')
    await openInside()
    const map = page.getByRole('region', { name: 'Embedding map' })
    const canvas = map.getByRole('img', { name: /^Embedding map of 1000 test digits$/ })
    await canvas.scrollIntoViewIfNeeded()
    expect(await inked(canvas)).toBeGreaterThan(3000)
    await expect.poll(() => map.getByText('PC 1 (', { exact: false }).textContent()).toMatch(/^PC 1 \(\d+\.\d% of variance\)$/)
    expect(await map.getByRole('list', { name: 'Classes' }).getByRole('listitem').count()).toBe(11)

    // Where digit 0 of the map lies on the canvas, by the same scale the map uses.
    const { embedding } = await api<RunInside>('getInside', { runId: cnn })
    const scale = mapScale(embedding!.x, embedding!.y, 560, 440, 14)
    const box = (await canvas.boundingBox())!
    await page.mouse.move(box.x + (scale.toX(embedding!.x[0]) * box.width) / 560, box.y + (scale.toY(embedding!.y[0]) * box.height) / 440)
    const aside = map.getByRole('complementary', { name: 'Digit on the map' })
    await expect.poll(() => aside.locator('p').first().textContent()).toMatch(new RegExp(`Test #${embedding!.indices[0]}: true \\d, predicted \\d`))
    await expect.poll(() => aside.getByRole('img', { name: /^test digit \d+$/ }).isVisible()).toBe(true)
    expect(await aside.getByRole('list', { name: 'Probabilities from the final model' }).getByRole('meter').count()).toBe(10)
    // On the way from the mark to its "Look inside" button the digit stays.
    await aside.getByRole('button', { name: 'Look inside this digit' }).hover()
    expect(await aside.locator('p').first().textContent()).toMatch(new RegExp(`Test #${embedding!.indices[0]}: `))
    await page.mouse.move(box.x + (scale.toX(embedding!.x[0]) * box.width) / 560, box.y + (scale.toY(embedding!.y[0]) * box.height) / 440)
    await page.mouse.down()
    await page.mouse.up()
    await shoot(map, 'embedding')

    // The busiest mistake of the matrix (epoch 2, the map's own epoch).
    const matrix = page.getByRole('table', { name: 'Confusion matrix, epoch 2' })
    const cells = await matrix.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')!))
    const [, truth, predicted, count] = cells
      .map((label) => /true (\d), predicted (\d): (\d+)/.exec(label)!)
      .filter((m) => m[1] !== m[2] && Number(m[3]) > 0)
      .sort((x, y) => Number(y[3]) - Number(x[3]))[0]
    await matrix.getByRole('button', { name: `true ${truth}, predicted ${predicted}: ${count}` }).click()
    const lit = map.getByRole('status')
    await expect.poll(() => lit.textContent()).toMatch(new RegExp(`Highlighted: ${count} digits? of true ${truth} predicted as ${predicted}`))
    await shoot(map, 'embedding-cell')
  })

  it("opens a gallery tile's digit inside the final model: one image per channel of every conv and pool layer", async () => {
    await open('#/runs')
    await openRun('course cnn')
    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    await gallery
      .getByRole('button', { name: /^Test digit \d+/ })
      .first()
      .click()
    await gallery.getByRole('button', { name: 'Look inside this digit' }).click()
    const view = page.getByRole('region', { name: /^Inside test digit #\d+$/ })
    await view.waitFor()
    expect(await view.getByText("Read by the run's final model").isVisible()).toBe(true)
    const conv1 = view.getByRole('list', { name: 'Feature maps of conv 1 (10 filters 5x5)' })
    await expect.poll(() => conv1.getByRole('img').count()).toBe(10)
    expect(await view.getByRole('list', { name: 'Feature maps of conv 2 (20 filters 5x5)' }).getByRole('img').count()).toBe(20)
    expect(await view.getByRole('list', { name: /^Feature maps of max-pool/ }).count()).toBe(2)
    expect(await view.getByRole('img', { name: /^Outputs of dense 1 \(50 units\): 50 units$/ }).isVisible()).toBe(true)
    expect(await view.getByRole('list', { name: 'Probabilities from the final model' }).getByRole('meter').count()).toBe(10)
    // The channel images are drawn, not blank.
    expect(await inked(conv1.getByRole('img').first())).toBeGreaterThan(0)
    expect(page.url()).toMatch(/[?&]look=\d+/)
    await shoot(view, 'digit-feature-maps')

    // The detail turned back to epoch 1: its gallery's digit is read by epoch 1's model (a small
    // model keeps one per epoch), which predicts what the tile says it predicted then.
    await page.getByLabel('Epoch', { exact: true }).fill('1')
    await expect.poll(() => page.url()).toMatch(/[?&]epoch=1/)
    // The gallery holds epoch 1's mistakes once it counts as many as the lab stored for epoch 1: a
    // tile read before then is still one of epoch 2's (the page says "epoch 1" before its matrix
    // and gallery have been read again).
    const wrongThen = (await api<{ items: unknown[] }>('misclassified', { runId: cnn, epoch: 1 })).items.length
    await expect
      .poll(async () =>
        (await gallery.getByRole('heading').textContent())
          ?.match(/(\d+) of (\d+)/)
          ?.slice(1)
          .map(Number)
      )
      .toEqual([wrongThen, wrongThen])
    const label = (await gallery
      .getByRole('button', { name: /^Test digit \d+/ })
      .first()
      .getAttribute('aria-label'))!
    const [, index, predicted] = /^Test digit (\d+): true \d, predicted (\d)$/.exec(label)!
    await gallery.getByRole('button', { name: label, exact: true }).click()
    await gallery.getByRole('button', { name: 'Look inside this digit' }).click()
    const early = page.getByRole('region', { name: `Inside test digit #${index}` })
    await expect.poll(() => early.getByText('Read by the model at the end of epoch 1').isVisible()).toBe(true)
    await expect.poll(() => early.locator('.prediction strong').first().textContent()).toBe(predicted)
    await shoot(early, 'digit-epoch-1')
  })

  it("shows the coach's saturated and dead-unit hints, and the activation figures behind them", async () => {
    const small = { architecture: { preset: 'mlp', hidden: [64] }, epochs: 1, limitTrain: 2000, limitTest: 300 }
    const saturating = (await api('startRun', { ...small, name: 'saturating sigmoid', activation: 'sigmoid', learningRate: 3 })).runId
    // Adam at 0.01 (ten times its usual rate) on a wide MLP: the first steps kill most of the first layer, without the loss blowing up (the coach's panel has this run).
    const dying = (
      await api('startRun', {
        ...small,
        name: 'dying relu',
        architecture: { preset: 'mlp', hidden: [256, 256] },
        dropout: 0,
        epochs: 3,
        limitTest: 1000,
        optimizer: 'adam',
        learningRate: 0.01
      })
    ).runId
    for (const runId of [saturating, dying]) expect((await endedRun<RunReply>(s, runId)).status).toBe('completed')
    await open('#/runs')

    await openRun('saturating sigmoid')
    const coach = page.getByRole('region', { name: `Coach for run ${saturating}` })
    await expect.poll(() => coach.getByText(/are stuck near the ends of sigmoid/).isVisible()).toBe(true)
    let panel = await openInside()
    let row = panel.getByRole('table', { name: 'Activations on the probe batch' }).getByRole('row', { name: /sigmoid after dense 1/ })
    await expect.poll(() => row.locator('td.warn').textContent()).toMatch(/^\d+\.\d%$/)
    await shoot(coach, 'hints')
    await shoot(panel.getByRole('table', { name: 'Activations on the probe batch' }), 'hints-saturated-activations')

    await openRun('dying relu')
    const deadCoach = page.getByRole('region', { name: `Coach for run ${dying}` })
    await expect.poll(() => deadCoach.getByText(/never fire on any of the probe digits/).isVisible()).toBe(true)
    panel = await openInside()
    row = panel.getByRole('table', { name: 'Activations on the probe batch' }).getByRole('row', { name: /relu after dense 1/ })
    await expect.poll(() => row.locator('td.warn').textContent()).toMatch(/^\d+\.\d%$/)
    await shoot(deadCoach, 'hints-dead-units')
  })

  it('looks inside a drawn digit from the Draw view', async () => {
    await open('#/draw')
    await page.getByLabel('Model (a stored run)').selectOption({ value: String(cnn) })
    await drawStroke(page, [0.5, 0.15], [0.5, 0.85])
    await expect
      .poll(() =>
        page
          .getByText(/^\s*Prediction:/)
          .first()
          .isVisible()
      )
      .toBe(true)
    await page.getByRole('button', { name: 'Look inside the model' }).click()
    const view = page.getByRole('region', { name: 'Inside the model, on your drawing' })
    await expect.poll(() => view.getByRole('list', { name: 'Feature maps of conv 1 (10 filters 5x5)' }).getByRole('img').count()).toBe(10)
    await shoot(view, 'draw-feature-maps')
  })

  it("shows an MLP's first-layer weights as 28x28 images, and no feature maps for its digits", async () => {
    await open('#/runs')
    // Going from one run to another in the table, the open section stays open.
    await openRun('course cnn')
    await openInside()
    await openRun('small mlp')
    await expect.poll(() => page.getByRole('button', { name: 'Inside the network' }).getAttribute('aria-expanded')).toBe('true')
    const panel = await openInside()
    await expect
      .poll(() =>
        panel
          .getByRole('region', { name: 'Histograms over training' })
          .getByRole('img', { name: /^Weights of / })
          .count()
      )
      .toBe(2)
    const filters = panel.getByRole('region', { name: 'First-layer filters' })
    const images = filters.getByRole('list', { name: 'Filters at the end of epoch 2' }).getByRole('img')
    await expect.poll(() => images.count()).toBe(32)
    expect(await sizeOf(images.first())).toEqual([28, 28])
    await shoot(filters, 'mlp-filters')
    const gallery = page.getByRole('region', { name: 'Misclassified digits' })
    await gallery
      .getByRole('button', { name: /^Test digit \d+/ })
      .first()
      .click()
    await gallery.getByRole('button', { name: 'Look inside this digit' }).click()
    const view = page.getByRole('region', { name: /^Inside test digit #\d+$/ })
    await expect.poll(() => view.getByRole('img', { name: /^Outputs of / }).count()).toBe(3)
    expect(await view.getByRole('list', { name: /^Feature maps of / }).count()).toBe(0)
    expect(await view.getByText('This model has no conv or pool layers').isVisible()).toBe(true)
    expect(errors.join('\n')).toBe('')
  })

  it('comes back to the same place after a reload: the panel, the chosen filters and the digit looked inside', async () => {
    await open('#/runs')
    await openRun('course cnn')
    const panel = await openInside()
    await panel.getByRole('region', { name: 'First-layer filters' }).getByLabel('Filters kept at', { exact: true }).fill('1')
    await page
      .getByRole('region', { name: 'Embedding map' })
      .getByRole('img', { name: /^Embedding map/ })
      .focus()
    await page.keyboard.press('ArrowRight')
    await page.getByRole('region', { name: 'Embedding map' }).getByRole('button', { name: 'Look inside this digit' }).click()
    await page.getByRole('region', { name: /^Inside test digit #\d+$/ }).waitFor()
    const url = page.url()
    expect(url).toMatch(/inside=1/)
    expect(url).toMatch(/filters=\d+/)
    await page.reload()
    expect(page.url()).toBe(url)
    const again = page.getByRole('region', { name: 'Inside the network' })
    await expect.poll(() => again.getByRole('list', { name: 'Filters at the end of epoch 1' }).getByRole('img').count()).toBe(10)
    await expect
      .poll(() =>
        page
          .getByRole('region', { name: /^Inside test digit #\d+$/ })
          .getByRole('list', { name: /^Feature maps of conv 1/ })
          .getByRole('img')
          .count()
      )
      .toBe(10)
    expect(errors.join('\n')).toBe('')
  })

  it('follows a dataset of 3 classes and 16x16 images: its class names, its filters and feature-map sizes', async () => {
    const dataset = writeFolderDataset(join(dir, 'rows'), { train: 200, test: 60, classes: ['top', 'middle', 'bottom'], size: 16 })
    const layers = [{ type: 'conv2d', filters: 4, kernelSize: 3 }, { type: 'activation' }, { type: 'maxPool' }, { type: 'flatten' }]
    const { runId } = await api('startRun', {
      name: 'three rows',
      dataset,
      architecture: { preset: 'custom', layers },
      epochs: 2,
      batchSize: 20,
      optimizer: 'adam',
      learningRate: 0.01
    })
    expect((await endedRun<RunReply>(s, runId)).status).toBe('completed')
    await open('#/runs')
    await openRun('three rows')
    const panel = await openInside()
    const filters = panel.getByRole('list', { name: 'Filters at the end of epoch 2' }).getByRole('img')
    await expect.poll(() => filters.count()).toBe(4)
    expect(await sizeOf(filters.first())).toEqual([3, 3])
    const map = panel.getByRole('region', { name: 'Embedding map' })
    expect(await map.getByRole('list', { name: 'Classes' }).getByRole('listitem').allTextContents()).toEqual(['top', 'middle', 'bottom', '× misclassified'])
    await map.getByRole('img', { name: 'Embedding map of 60 test digits' }).focus()
    await page.keyboard.press('ArrowRight')
    expect(await map.getByRole('list', { name: 'Probabilities from the final model' }).getByRole('meter').count()).toBe(3)
    await map.getByRole('button', { name: 'Look inside this digit' }).click()
    const view = page.getByRole('region', { name: /^Inside test digit #\d+$/ })
    const maps = view.getByRole('list', { name: 'Feature maps of conv 1 (4 filters 3x3)' }).getByRole('img')
    await expect.poll(() => maps.count()).toBe(4)
    expect(await sizeOf(maps.first())).toEqual([14, 14])
    expect(await sizeOf(view.getByRole('img', { name: /: the input$/ }))).toEqual([16, 16])
    expect(await view.getByRole('list', { name: 'Probabilities from the final model' }).getByRole('meter').count()).toBe(3)
    await shoot(view, 'three-classes-digit')
    expect(errors.join('\n')).toBe('')
  })

  it('says in a plain sentence that a run recorded nothing inside, instead of an error', async () => {
    const { runId } = await api('startRun', { name: 'stopped at once', epochs: 1, limitTrain: 5000, limitTest: 300 })
    await api('stopRun', { runId })
    await endedRun(s, runId)
    // Stopped while it was still setting up: no step trained, so no point recorded.
    expect((await api<RunInside>('getInside', { runId })).points).toEqual([])
    await open('#/runs')
    await openRun('stopped at once')
    const panel = await openInside()
    await expect.poll(() => panel.getByText("Nothing was recorded inside this run's network").isVisible()).toBe(true)
    expect(await panel.getByRole('alert').count()).toBe(0)
    expect(errors.join('\n')).toBe('')
  })

  it('shows the points of a run still training, says the map comes at the end, and draws it when the run ends', async () => {
    await open('#/runs')
    // Long enough to be seen training: 2 x 20,000 examples once ended before the header showed it.
    const { runId } = await api('startRun', {
      name: 'still training',
      epochs: 2,
      limitTrain: 60000,
      limitTest: 500,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 0.001
    })
    // The header follows the run as it trains: its percentage moves on from the first it showed.
    const pill = page.getByRole('banner').getByRole('link', { name: new RegExp(`^#${runId} still training`) })
    const percentShown = async () => Number(/running (\d+)%$/.exec((await pill.textContent().catch(() => '')) ?? '')?.[1] ?? -1)
    await expect.poll(percentShown).toBeGreaterThanOrEqual(0)
    const first = await percentShown()
    await expect.poll(percentShown).toBeGreaterThan(first)
    // Paused past the early points: the run is active, with points but no embedding yet.
    await waitFor(
      `run ${runId} past step 60`,
      async () => {
        const live = await api<{ run: { id: number }; batches: { step: number }[] }[]>('liveRuns', {})
        return (live.find((r) => r.run.id === runId)?.batches.at(-1)?.step ?? 0) >= 60
      },
      { everyMs: 20 }
    )
    await api('pauseRun', { runId })
    // Paused, it shows where the run stopped.
    type Live = { run: { id: number; status: string }; batches: { step: number }[]; started: { totalSteps: number } }
    let live: Live | undefined
    await waitFor(`run ${runId} paused`, async () => (live = (await api<Live[]>('liveRuns', {})).find((r) => r.run.id === runId))?.run.status === 'paused')
    const percent = Math.floor((100 * live!.batches.at(-1)!.step) / live!.started.totalSteps)
    await expect.poll(() => pill.textContent()).toMatch(new RegExp(`paused ${percent}%$`))
    await openRun('still training')
    const panel = await openInside()
    await expect.poll(() => panel.getByText('The embedding map appears when training ends').isVisible()).toBe(true)
    await expect
      .poll(() =>
        panel
          .getByRole('region', { name: 'Histograms over training' })
          .getByRole('img', { name: /^Weights of / })
          .count()
      )
      .toBe(4)
    expect(await panel.getByText(/more points come as the run trains/).isVisible()).toBe(true)
    await shoot(panel, 'training')
    await api('resumeRun', { runId })
    await endedRun(s, runId)
    await expect.poll(() => panel.getByRole('img', { name: /^Embedding map of 500 test digits$/ }).isVisible()).toBe(true)
    expect(await panel.getByRole('list', { name: 'Filters at the end of epoch 2' }).getByRole('img').count()).toBe(10)
    expect(errors.join('\n')).toBe('')
  })
})
