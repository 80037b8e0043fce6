// A learner follows the course in Chromium: the learning-rate and activations lessons run from
// the Course view through the ordinary queue, their questions are answered from those runs (a
// wrong answer is refused with a pointer to the evidence, the right one, computed here from the
// runs the lab stored, is accepted), progress survives a reload, and a lesson's link opens the
// lab with its settings. The lab serves lessons capped at 300 digits so the runs stay tiny.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LESSONS } from '../../src/shared/lessons'
import { closeLab, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, completedRun, endedRun, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { TRAINING_WAIT_MS } from '../helpers/timeouts'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

const DIGITS = 300
let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page
let errors: string[]

interface StoredRun {
  id: number
  status: string
  sweep: { point: Record<string, string> } | null
  epochs: { testAccuracy: number }[]
  hyperparams: { limitTrain: number | null; limitTest: number | null }
}
interface Progress {
  lessons: { lessonId: string; runIds: number[]; done: boolean; answers: { answer: string; correct: boolean }[] }[]
}

const progressOf = async (lessonId: string) => (await callLab<Progress>(s, 'courseProgress')).lessons.find((l) => l.lessonId === lessonId)!

async function open(path: string): Promise<void> {
  tab = await openLab(browser, s, path, { viewport: { width: 1280, height: 900 } })
  ;({ page, errors } = tab)
}

const maxRuns = process.env.DIGIT_LAB_MAX_RUNS
beforeAll(async () => {
  // One run at a time, as on two cores: the queue test needs a run to wait, on any machine.
  process.env.DIGIT_LAB_MAX_RUNS = '1'
  s = await serve(join(tempDir(), 'course.db'), ['--lesson-digits', String(DIGITS)])
  if (maxRuns === undefined) delete process.env.DIGIT_LAB_MAX_RUNS
  else process.env.DIGIT_LAB_MAX_RUNS = maxRuns
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

/**
 * Runs the lesson's experiment from its page and waits for its runs to end; returns them as
 * stored, so the test computes the right answer from them itself.
 */
async function runExperiment(lessonId: string, runs: number): Promise<StoredRun[]> {
  await page.getByRole('button', { name: `Run the experiment (${runs} runs)` }).click()
  const ids = await waitFor(`lesson ${lessonId}'s runs to be queued`, async () => {
    const p = await progressOf(lessonId)
    return p.runIds.length === runs ? p.runIds : null
  })
  const stored = []
  for (const id of ids) stored.push(await endedRun<StoredRun>(s, id))
  // The page follows them to their end: one row each, none training.
  const rows = page.getByRole('table', { name: "The lesson's runs" }).locator('tbody tr')
  await expect.poll(() => rows.count()).toBe(runs)
  await expect.poll(() => page.getByRole('radio').first().isEnabled(), { timeout: TRAINING_WAIT_MS }).toBe(true)
  // The lab's cap reached the runs: each trained and tested on 300 digits.
  for (const r of stored) expect([r.hyperparams.limitTrain, r.hyperparams.limitTest]).toEqual([DIGITS, DIGITS])
  return stored
}

const accuracy = (r: StoredRun) => r.epochs.at(-1)?.testAccuracy ?? 0

/** Answers `choice` (by its label) and returns what the page said, once it says `expected`. */
async function answer(label: string, expected: RegExp): Promise<string> {
  await page.getByRole('radio', { name: label, exact: true }).check()
  await page.getByRole('button', { name: 'Check my answer' }).click()
  const said = page.getByRole('region', { name: 'Question' }).getByRole('status').first()
  await expect.poll(() => said.textContent()).toMatch(expected)
  return (await said.textContent())!
}

async function completeLesson(lessonId: string, key: string, pick: 'highest' | 'lowest', runs: number): Promise<void> {
  const lesson = LESSONS.find((l) => l.id === lessonId)!
  await open(`#/course/${lessonId}`)
  await expect.poll(() => page.getByRole('heading', { name: new RegExp(`^Lesson \\d: ${lesson.title}$`) }).isVisible()).toBe(true)
  const stored = await runExperiment(lessonId, runs)
  // The answer, from the runs as stored: every value tied at the top (or bottom) is right.
  const extreme = (pick === 'highest' ? Math.max : Math.min)(...stored.map(accuracy))
  const right = stored.filter((r) => accuracy(r) === extreme).map((r) => r.sweep!.point[key])
  const wrong = lesson.question.choices.find((c) => !right.includes(c.id))!
  const rightChoice = lesson.question.choices.find((c) => c.id === right[0])!

  const refused = await answer(wrong.label, /^Not what your runs show/)
  expect(refused).toBe(`Not what your runs show. ${lesson.question.pointer}`)
  expect((await progressOf(lessonId)).done).toBe(false)
  await screenshot(page, `course-${lessonId}-refused`)

  const accepted = await answer(rightChoice.label, /^Right: /)
  expect(accepted).toMatch(/^Right: /)
  // The evidence names every run of the experiment.
  for (const r of stored) expect(accepted).toContain(`run ${r.id} `)
  await expect.poll(() => page.getByText('Lesson done.').isVisible()).toBe(true)
  const p = await progressOf(lessonId)
  expect(p.done).toBe(true)
  expect(p.answers.map((a) => [a.answer, a.correct])).toEqual([
    [wrong.id, false],
    [rightChoice.id, true]
  ])

  // A reload keeps it: the lesson is done, its last answer said, its runs listed.
  await page.reload()
  await expect.poll(() => page.getByText('Lesson done.').isVisible()).toBe(true)
  await expect.poll(() => page.getByText(`Your last answer: ${rightChoice.label}, right.`).isVisible()).toBe(true)
  expect(await page.getByRole('table', { name: "The lesson's runs" }).locator('tbody tr').count()).toBe(runs)
  await expect.poll(() => page.getByRole('navigation', { name: 'Lessons' }).getByRole('button', { name: lesson.title }).textContent()).toContain('✓')
  await screenshot(page, `course-${lessonId}-done`)
}

describe('the course in the browser', () => {
  it('completes the learning-rate lesson: runs queued and ended, a wrong answer refused with a pointer, the right one accepted, kept on reload', async () => {
    await completeLesson('learning-rate', 'learningRate', 'highest', 3)
  })

  it('completes the activations lesson the same way, from its six runs', async () => {
    await completeLesson('activations', 'activation', 'lowest', 6)
    // Where to look opens Compare with the lesson's six runs.
    const ids = (await progressOf('activations')).runIds
    await page.getByRole('link', { name: 'Open the runs in Compare' }).click()
    await expect.poll(() => page.url()).toContain(`#/compare?runs=${ids.join(',')}`)
    await expect.poll(() => page.getByRole('table', { name: 'Settings' }).locator('thead th').count()).toBe(7)
  })

  it("opens a lesson from its link, and the lesson's settings in Train from there", async () => {
    await open('#/course/dropout')
    await expect.poll(() => page.getByRole('heading', { name: 'Lesson 7: Dropout against overfitting' }).isVisible()).toBe(true)
    expect(await page.getByRole('tab', { name: 'Course' }).getAttribute('aria-selected')).toBe('true')
    await page.getByRole('link', { name: 'Open these settings in Train' }).click()
    await expect.poll(() => page.url()).toMatch(/#\/train$/)
    expect(await page.getByLabel('Model', { exact: true }).inputValue()).toBe('mlp')
    expect(await page.getByLabel('Hidden layer sizes').inputValue()).toBe('256')
    expect(await page.getByLabel('Epochs').inputValue()).toBe('8')
    expect(await page.getByLabel('Dropout rate').inputValue()).toBe('0')
    expect(await page.getByLabel('Training examples').inputValue()).toBe('500')
    expect(await page.getByLabel('Optimizer').inputValue()).toBe('adam')
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Settings from a link' }).isVisible()).toBe(true)
    await screenshot(page, 'course-link-train')
  })

  it("Train shows an MLP's parameter count and, when a run it watched ends, the coach's reading", async () => {
    const settings = { preset: 'mlp', hidden: '100', learningRate: '5', limitTrain: '300', limitTest: '300', name: 'too fast' }
    await open(`#/train?apply=${encodeURIComponent(JSON.stringify(settings))}`)
    await expect.poll(() => page.locator('.mlp-weights').textContent()).toContain('79,510 parameters')
    await page.getByLabel('Hidden layer sizes').fill('128, 64')
    await expect.poll(() => page.locator('.mlp-weights').textContent()).toContain('109,386 parameters')
    await page.getByLabel('Hidden layer sizes').fill('100')
    await page.getByRole('button', { name: 'Start', exact: true }).click()
    // A learning rate of 5 wrecks the run; the coach says so where the learner watched it.
    await expect.poll(() => page.getByRole('region', { name: /^Coach for run \d+$/ }).isVisible(), { timeout: TRAINING_WAIT_MS }).toBe(true)
    expect(
      await page
        .getByRole('region', { name: /^Coach for run \d+$/ })
        .getByRole('link', { name: /^Try / })
        .count()
    ).toBeGreaterThan(0)
    await screenshot(page, 'course-train-coach')
  })

  it('marks the chosen confusion cell, and the matrix is one tab stop with arrow keys inside', async () => {
    const runId = await completedRun(s, { name: 'matrix', architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, limitTrain: 300, limitTest: 100 })
    await open(`#/runs/${runId}`)
    const matrix = page.getByRole('table', { name: /^Confusion matrix, epoch 1$/ })
    const cells = matrix.locator('button.cell')
    await expect.poll(() => cells.count()).toBe(100)
    expect(await matrix.locator('button.cell[tabindex="0"]').count()).toBe(1)
    const first = matrix.locator('button.cell:not([disabled])').first()
    const chosen = await first.getAttribute('data-cell')
    await first.click()
    await expect.poll(() => page.url()).toMatch(/truth=\d+&predicted=\d+/)
    await expect.poll(() => matrix.locator('button.cell[aria-pressed="true"]').getAttribute('data-cell')).toBe(chosen)
    expect(await matrix.locator('button.cell[aria-pressed="true"]').count()).toBe(1)
    // Arrow keys move the focus to the next cell that can be opened; the tab stop follows it.
    await matrix.locator(`button.cell[data-cell="${chosen}"]`).focus()
    const focusedCell = () => page.evaluate<string | null>(`document.activeElement?.getAttribute('data-cell') ?? null`)
    let moved: string | null = null
    for (const key of ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp']) {
      await page.keyboard.press(key)
      moved = await focusedCell()
      if (moved !== chosen) break
    }
    expect(moved).not.toBe(chosen)
    expect(moved).toMatch(/^\d-\d$/)
    expect(await matrix.locator('button.cell[tabindex="0"]').getAttribute('data-cell')).toBe(moved)
    await page.keyboard.press('Enter')
    await expect.poll(() => matrix.locator('button.cell[aria-pressed="true"]').getAttribute('data-cell')).toBe(moved)
    await screenshot(page, 'course-matrix-chosen')
  })

  it('Start queues another run while one trains; the queue is shown and a queued run cancelled', async () => {
    const { runId: long } = await callLab<{ runId: number }>(s, 'startRun', {
      name: 'long',
      architecture: { preset: 'mlp', hidden: [16] },
      epochs: 1000,
      limitTrain: 2000,
      limitTest: 100
    })
    await open(`#/train?run=${long}`)
    await expect.poll(() => page.getByRole('button', { name: 'Pause' }).isEnabled(), { timeout: TRAINING_WAIT_MS }).toBe(true)
    await page.getByLabel('Run name').fill('next')
    await page.getByRole('button', { name: 'Queue another run' }).click()
    const queue = page.getByRole('region', { name: 'Waiting in the queue' })
    await expect.poll(() => queue.getByRole('link', { name: /^#\d+ next$/ }).isVisible()).toBe(true)
    // The view stays on the run it watched.
    expect(page.url()).toContain(`run=${long}`)
    const next = (await callLab<{ id: number; name: string; status: string }[]>(s, 'listRuns')).find((r) => r.name === 'next')!
    expect(next.status).toBe('queued')
    await screenshot(page, 'course-train-queue')
    await queue.getByRole('button', { name: `Cancel run ${next.id}` }).click()
    expect((await endedRun<{ status: string }>(s, next.id)).status).toBe('stopped')
    await expect.poll(() => queue.isVisible()).toBe(false)
    await callLab(s, 'stopRun', { runId: long })
  })

  it('puts a test digit before the model from the keyboard, in place of drawing', async () => {
    const runId = await completedRun(s, { name: 'reader', architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, limitTrain: 300, limitTest: 100 })
    const { images } = await callLab<{ images: { label: number }[] }>(s, 'testImages', { indices: [7] })
    await open(`#/draw?run=${runId}`)
    await page.getByLabel('Or a test digit, by number').focus()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('7')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Test digit 7' }).textContent()).toBe(`Test digit 7, labelled ${images[0].label}.`)
    await expect.poll(() => page.locator('.prediction').textContent()).toMatch(/^\s*Prediction: \d \(\d+\.\d%\)\s*$/)
    expect(await page.getByRole('img', { name: 'Preprocessed 28 by 28 input' }).isVisible()).toBe(true)
    await page.getByLabel('Or a test digit, by number').fill('x')
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'whole number' }).textContent())
      .toBe('The test digit\'s number must be a whole number from 0 (got "x")')
    await screenshot(page, 'course-draw-test-digit')
  })

  it("shows every lesson's page", async () => {
    await open('#/course')
    for (const [i, lesson] of LESSONS.entries()) {
      await page.goto(`${s.origin}/#/course/${lesson.id}`)
      await expect.poll(() => page.getByRole('heading', { name: `Lesson ${i + 1}: ${lesson.title}` }).isVisible()).toBe(true)
      for (const c of lesson.question.choices) expect(await page.getByRole('radio', { name: c.label, exact: true }).count()).toBe(1)
      await screenshot(page, `lesson-${lesson.id}`)
    }
    expect(errors).toEqual([])
  })
})
