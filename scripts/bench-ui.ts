// npm run bench:ui [-- --runs N --big-steps N] — how long the views take with 1,000 stored runs
// and one run of 60,000 batch rows open, in real Chromium through serve mode. The runs are generated rows (the UI's load, not a model's
// quality, is measured here), written through the store like real ones. Prints timings, no verdict.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { createDispatch } from '../src/main/api/dispatch'
import { createLabHandlers } from '../src/main/api/handlers'
import { seededRandom, Store } from '../src/main/lab/bench-entry'
import { Lab } from '../src/main/lab/lab'
import { startServer } from '../src/main/serve/server'
import { parseHyperparams } from '../src/shared/fields'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' }, 'big-steps': { type: 'string', default: '60000' } } })
const RUNS = Number(values.runs)
const BIG_STEPS = Number(values['big-steps'])
const dir = mkdtempSync(join(tmpdir(), 'digit-lab-bench-ui-'))
const rand = seededRandom(7)

function seedRun(store: Store, name: string, epochs: number, stepsPerEpoch: number, wrongPerEpoch?: number): number {
  const id = store.runs.create(parseHyperparams({ epochs, learningRate: 0.01 + rand() * 0.05, name }), name)
  store.runs.markStarted(id, { backend: { name: 'wasm', version: '4.22.0', threads: 1 }, layers: [], paramCount: 21840, classNames: [...'0123456789'] })
  let step = 0
  for (let e = 1; e <= epochs; e++) {
    const rows = Array.from({ length: stepsPerEpoch }, () => {
      step++
      return {
        step,
        epoch: e,
        loss: 2.3 * Math.exp(-step / 400) + 0.1 + rand() * 0.2,
        accuracy: Math.min(1, 0.1 + step / 1000 + rand() * 0.05),
        examplesPerSec: 1000,
        elapsed: step * 0.09
      }
    })
    store.metrics.appendBatches(id, rows)
    const acc = Math.min(0.99, 0.85 + e * 0.006)
    const confusion = Array.from({ length: 10 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => (i === j ? Math.round(1000 * acc) : Math.round((1000 * (1 - acc)) / 9)))
    )
    const wrong = Array.from({ length: wrongPerEpoch ?? Math.round(10000 * (1 - acc)) }, (_, k) => {
      const label = k % 10
      const predicted = (label + 1 + (k % 9)) % 10
      const probs = Array.from({ length: 10 }, (_, c) => (c === predicted ? 0.6 : 0.4 / 9))
      return { index: k * 7, label, predicted, probs }
    })
    store.metrics.addEpoch(
      id,
      { epoch: e, trainLoss: 0.5 / e, trainAccuracy: acc, testLoss: 0.4 / e, testAccuracy: acc, seconds: 55, numTensors: 14 },
      confusion,
      wrong
    )
  }
  store.runs.finish(id, 'completed', null)
  return id
}

const dbPath = join(dir, 'ui.db')
const seeding = new Store(dbPath)
// Many small runs (their own mistakes kept few: the bench is about the list, not their galleries).
seeding.write(() => {
  for (let i = 1; i < RUNS; i++) seedRun(seeding, `run ${i}`, 1, 20, 20)
})
const BIG_EPOCHS = 20
const big = seedRun(seeding, 'the long one', BIG_EPOCHS, Math.round(BIG_STEPS / BIG_EPOCHS))
seeding.close()
const lab = new Lab({ dbPath })
const server = await startServer({
  lab,
  dispatch: createDispatch(createLabHandlers(lab)),
  staticDir: fileURLToPath(new URL('../out/renderer', import.meta.url))
})
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']
})
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  await page.goto(server.url)
  await page.getByRole('tab', { name: 'Runs' }).click()
  await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'the long one' }).waitFor()
  // Opening the long run: from the click to the frame after its confusion matrix is shown.
  const openMs = await page.evaluate(`new Promise((resolve) => {
    const t0 = performance.now()
    ;[...document.querySelectorAll('.runs-table button.link')].find((b) => b.textContent.trim() === 'the long one').click()
    const check = () => document.querySelector('table[aria-label="Confusion matrix, epoch ${BIG_EPOCHS}"]') && document.querySelector('figure.chart[data-points="${BIG_STEPS}"]')
      ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)))
      : requestAnimationFrame(check)
    check()
  })`)
  // Redrawing its curves (smoothing moved): the time until the next frame after the change.
  const redraws: number[] = []
  for (let i = 0; i < 10; i++) {
    redraws.push(
      (await page.evaluate(`new Promise((resolve) => {
        const slider = document.querySelector('.run-detail .curves input[type=range]')
        const t0 = performance.now()
        slider.value = String(${0.3 + 0.05 * (i % 6)})
        slider.dispatchEvent(new Event('input', { bubbles: true }))
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)))
      })`)) as number
    )
  }
  const views: [string, () => Promise<void>][] = [
    ['Train', () => page.getByRole('region', { name: 'Set up a run' }).waitFor()],
    ['Runs', () => page.getByRole('table', { name: `Confusion matrix, epoch ${BIG_EPOCHS}` }).waitFor()],
    ['Compare', () => page.getByText(`Compare run ${big}: the long one`).waitFor()],
    ['Draw a digit', () => page.getByRole('img', { name: /Drawing pad/ }).waitFor()]
  ]
  const times: Record<string, number[]> = {}
  for (let round = 0; round < 8; round++) {
    for (const [name, ready] of views) {
      // Timed in the page, from the click to the frame after the view is ready: what a person
      // sees, without the test driver's own round trips.
      await page.evaluate(`(() => {
        const tab = [...document.querySelectorAll('[role=tab]')].find((b) => b.textContent.trim() === ${JSON.stringify(name)})
        window.__t0 = performance.now()
        tab.click()
      })()`)
      await ready()
      const ms = await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - window.__t0))))')
      ;(times[name] ??= []).push(ms as number)
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  process.stdout.write(
    `${RUNS} runs stored; run ${big} open with ${BIG_EPOCHS} epochs, ${BIG_STEPS.toLocaleString('en')} batch rows, ${lab.misclassified(big).items.length} misclassified in its last epoch\n`
  )
  process.stdout.write(
    `open the long run  ${(openMs as number).toFixed(0).padStart(9)} ms (click to its matrix and all ${BIG_STEPS.toLocaleString('en')} points in its curve)\n`
  )
  process.stdout.write(
    `redraw its curves  ${median(redraws).toFixed(0).padStart(9)} ${Math.max(...redraws)
      .toFixed(0)
      .padStart(8)} (median, max ms: smoothing moved; charts draw at most 800 points a series)\n`
  )
  process.stdout.write('view switch         median ms   max ms   (target: under 200 ms; first round includes cold loads)\n')
  for (const [name] of views)
    process.stdout.write(
      `${name.padEnd(18)} ${median(times[name]).toFixed(0).padStart(9)} ${Math.max(...times[name])
        .toFixed(0)
        .padStart(8)}\n`
    )
  const all = Object.values(times).flat()
  process.stdout.write(
    `all switches       ${median(all).toFixed(0).padStart(9)} ${Math.max(...all)
      .toFixed(0)
      .padStart(8)}\n`
  )
} finally {
  await browser.close()
  await server.close()
  await lab.close()
  rmSync(dir, { recursive: true, force: true })
}
