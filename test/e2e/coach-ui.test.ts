// Following the coach in real Chromium through serve mode: a run that blew up, its suggestion
// followed from the Runs view, Start in Train, and the next run's reading says whether that
// helped, with both accuracies; a second suggestion followed the same way (never back up to a
// rate that failed); each hint's "Show the evidence" opens the run where the evidence is. The
// learner's path runs without reloads, and the reading is the same after one.
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail, RunSummary } from '../../src/shared/run-types'
import { closeLab, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, completedRun, endedRun, serve, stopActiveRuns, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import { waitFor } from '../helpers/wait'

let s: Served
let browser: Browser
let tab: LabTab | undefined
let page: Page

beforeAll(async () => {
  s = await serve(join(tempDir(), 'coach.db'))
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

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
/** Text to find as it is, in a RegExp: run names hold parentheses ("SGD (gradient descent)"). */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const getRun = (runId: number) => callLab<RunDetail>(s, 'getRun', { runId })

/** Presses the first hint's "Try …" button in the open run's coach, Start in Train, and waits for the new run to end: its detail. */
async function followFirstSuggestion(from: RunDetail): Promise<RunDetail> {
  const coach = page.getByRole('region', { name: `Coach for run ${from.id}` })
  const label = `Try ${from.hints[0].suggestion.label}`
  await coach.getByRole('link', { name: label }).first().click()
  await expect.poll(() => page.getByLabel('Learning rate').inputValue()).toBe(from.hints[0].suggestion.settings.learningRate)
  const before = (await callLab<RunSummary[]>(s, 'listRuns')).length
  await page.getByRole('button', { name: 'Start' }).click()
  const runId = await waitFor('the run Start began', async () => {
    const runs = await callLab<RunSummary[]>(s, 'listRuns')
    return runs.length > before ? Math.max(...runs.map((r) => r.id)) : null
  })
  await endedRun(s, runId)
  return getRun(runId)
}

/** Opens a run from the Runs tab, as a person does (no reload), and returns its coach region. */
async function openInRuns(run: RunDetail) {
  await page.getByRole('tab', { name: 'Runs' }).click()
  await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: run.name, exact: true }).click()
  return page.getByRole('region', { name: `Coach for run ${run.id}` })
}

describe('following the coach', () => {
  it('follows two suggestions from the Runs view and is told each time whether it helped, with both accuracies', async () => {
    const small = { epochs: 1, limitTrain: 2000, limitTest: 300 }
    const first = await getRun(await completedRun(s, { ...small, name: 'too bold', learningRate: 10 }))
    expect(first.hints[0]).toMatchObject({ kind: 'exploding', suggestion: { settings: { learningRate: '1' } } })
    tab = await openLab(browser, s, `#/runs/${first.id}`)
    page = tab.page
    await expect
      .poll(() =>
        page
          .getByRole('region', { name: `Coach for run ${first.id}` })
          .getByText(/the steps overshoot/)
          .isVisible()
      )
      .toBe(true)

    const second = await followFirstSuggestion(first)
    expect(second.hyperparams.learningRate).toBe(1)
    let coach = await openInRuns(second)
    const helped = coach.getByRole('note', { name: 'Did it help' })
    await expect
      .poll(() => helped.textContent())
      .toMatch(
        new RegExp(
          literal(
            `This run followed the suggestion "learning rate 1" from run #${first.id} (too bold): test accuracy ${pct(first.epochs[0].testAccuracy)} → ${pct(second.epochs[0].testAccuracy)}, both still guessing`
          )
        )
      )
    // Never back up: lr 10 was tried and did no better, so the next suggestion goes further down.
    expect(second.hints[0].suggestion.settings.learningRate).toBe('0.1')
    await screenshot(page, 'coach-followed-once')

    const third = await followFirstSuggestion(second)
    coach = await openInRuns(third)
    await expect
      .poll(() => coach.getByRole('note', { name: 'Did it help' }).textContent())
      .toMatch(
        new RegExp(
          literal(
            `"learning rate 0.1" from run #${second.id} (${second.name}): test accuracy ${pct(second.epochs[0].testAccuracy)} → ${pct(third.epochs[0].testAccuracy)}, it helped`
          )
        )
      )
    expect(third.epochs[0].testAccuracy).toBeGreaterThan(second.epochs[0].testAccuracy)
    await screenshot(page, 'coach-followed-twice')

    // The same reading after a reload.
    await page.reload()
    await expect.poll(() => page.getByRole('note', { name: 'Did it help' }).textContent()).toMatch(/it helped/)
  })

  it("opens a hint's evidence with one click: the chart marked, or the layer picked out inside the network", async () => {
    const mlp = { architecture: { preset: 'mlp', hidden: [256, 256] }, dropout: 0, limitTrain: 2000, limitTest: 1000 }
    const dying = await getRun(await completedRun(s, { ...mlp, name: 'dying', optimizer: 'adam', learningRate: 0.01, epochs: 3 }))
    const dead = dying.hints[0]
    expect(dead).toMatchObject({ kind: 'deadUnits', look: { section: 'inside' } })
    tab = await openLab(browser, s, `#/runs/${dying.id}`)
    page = tab.page
    await page
      .getByRole('region', { name: `Coach for run ${dying.id}` })
      .getByRole('link', { name: 'Show the evidence (inside the network)' })
      .click()
    await expect.poll(() => page.url()).toMatch(/evidence=deadUnits/)
    const row = page
      .getByRole('table', { name: 'Activations on the probe batch' })
      .getByRole('row', { name: new RegExp(dead.look.layer!.replace(/[()]/g, '\\$&')) })
    await expect.poll(() => row.getAttribute('aria-current')).toBe('true')
    await screenshot(page, 'coach-evidence-inside')

    const bold = await getRun(await completedRun(s, { epochs: 1, limitTrain: 2000, limitTest: 300, name: 'bold cnn', learningRate: 10 }))
    await page.getByRole('tab', { name: 'Runs' }).click()
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'bold cnn', exact: true }).click()
    await page
      .getByRole('region', { name: `Coach for run ${bold.id}` })
      .locator('li.exploding')
      .getByRole('link', { name: /^Show the evidence/ })
      .click()
    await expect.poll(() => page.url()).toMatch(/evidence=exploding/)
    // The spike's batch is crossed on the batch-loss chart, and the page says which step it is.
    await expect
      .poll(() => page.getByRole('note', { name: 'What the coach points at' }).textContent())
      .toMatch(new RegExp(`points at step ${bold.hints[0].evidence.atStep} of the batch loss`))
    expect(await page.getByRole('region', { name: 'Learning curves' }).locator('xpath=..').getAttribute('class')).toMatch(/evidence/)
    await screenshot(page, 'coach-evidence-curves')
  })
})
