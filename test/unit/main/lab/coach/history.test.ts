// The coach reads the learner's earlier runs of the same data: it never suggests what was tried and
// did no better, it points back to what did better, and it says whether a followed suggestion helped.
// On built records, then on real training that follows the coach from lr 10 on the course CNN.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { followUp, withSettings, type PastRun } from '../../../../../src/main/lab/coach/history'
import { coach, type CoachInput } from '../../../../../src/main/lab/coach/hints'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { Hyperparams } from '../../../../../src/shared/hyperparams'
import type { BatchMetric } from '../../../../../src/shared/run-types'
import { tempDir } from '../../../../helpers/tmp'

const NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
const oneClass = NAMES.map(() => NAMES.map((_, j) => (j === 1 ? 100 : 0)))
/** A course CNN run at `lr` that spiked at its second step and ended answering "1": what lr 10 and lr 1 do. */
function blownUp(lr: number): CoachInput {
  const batches: Pick<BatchMetric, 'epoch' | 'loss'>[] = Array.from({ length: 50 }, (_, i) => ({ epoch: 1, loss: i === 1 ? 20 : 2.31 }))
  return {
    status: 'completed',
    hyperparams: parseHyperparams({ learningRate: lr, limitTrain: 5000 }),
    batches,
    epochs: [{ epoch: 1, trainLoss: 3, trainAccuracy: 0.1, testLoss: 2.3, testAccuracy: 0.114, seconds: 1, numTensors: 0 }],
    confusion: oneClass,
    classNames: NAMES
  }
}
let ids = 0
const past = (
  hp: Hyperparams,
  testAccuracy: number | null,
  suggestion: PastRun['suggestion'] = null,
  firstKind: PastRun['firstKind'] = null,
  status: PastRun['status'] = 'completed'
): PastRun => ({
  id: ++ids,
  name: hp.name ?? `run ${ids}`,
  hyperparams: hp,
  status,
  testAccuracy,
  suggestion,
  firstKind
})
/** The run read for a follow-up: its settings and result on 1,000 test digits of 10 classes. */
const read = (hyperparams: Hyperparams, testAccuracy: number | null, status: PastRun['status'] = 'completed') => ({
  hyperparams,
  status,
  testAccuracy,
  testDigits: 1000,
  classes: 10
})

describe('the coach with the learner’s history', () => {
  it('never loops: lr 10 then lr 1 both collapsed, so lr 0.1 is next, and the sentence says 10 did no better', () => {
    const alone = coach(blownUp(10))
    expect(alone[0].suggestion.settings).toEqual({ learningRate: '1' })
    const second = coach({ ...blownUp(1), history: [past(blownUp(10).hyperparams, 0.114, alone[0].suggestion, 'exploding')] })
    expect(second[0].suggestion).toEqual({ label: 'learning rate 0.1', settings: { learningRate: '0.1' } })
    expect(second[0].message).toMatch(/Learning rate 10 did no better than 1 in your earlier runs: go down, not up\./)
  })

  it('never goes up past a rate that blew up: too small a rate steps to between it and the one that failed', () => {
    const slow = { ...blownUp(0.0001), batches: Array.from({ length: 200 }, () => ({ epoch: 1, loss: 2.3 })), confusion: null }
    expect(coach(slow)[0]).toMatchObject({ kind: 'lrTooSmall', suggestion: { settings: { learningRate: '0.001' } } })
    const failedAbove = past(parseHyperparams({ learningRate: 0.001, limitTrain: 5000 }), null, null, 'diverged', 'diverged')
    const [hint] = coach({ ...slow, history: [failedAbove] })
    expect(hint.suggestion.settings).toEqual({ learningRate: '0.00032' })
    expect(hint.message).toMatch(/Learning rate 0.001 blew up in your earlier runs: the next try stays between 0.0001 and 0.001\./)
  })

  it('skips a setting already tried and no better, citing its run and accuracy, and suggests the next', () => {
    const triedLower = past(parseHyperparams({ learningRate: 1, limitTrain: 5000, seed: 7, name: 'lr one' }), 0.1)
    const [hint] = coach({ ...blownUp(10), history: [triedLower] })
    expect(hint.suggestion.settings).toEqual({ learningRate: '0.1' })
    expect(hint.message).toMatch(
      new RegExp(`Already tried and no better: learning rate 1 \\(run #${triedLower.id} \\(lr one\\): 10\\.0%\\)\\. Learning rate 0\\.1 is the next to try\\.`)
    )
    // Ahead of this run by noise, both guessing: no better, so skipped too.
    const guessing = past(parseHyperparams({ learningRate: 1, limitTrain: 5000, name: 'also guessing' }), 0.13)
    expect(coach({ ...blownUp(10), history: [guessing] })[0].suggestion.settings).toEqual({ learningRate: '0.1' })
    // A run that diverged is cited as diverged, not as 0.0%.
    const blew = past(parseHyperparams({ learningRate: 1, limitTrain: 5000, name: 'blew' }), null, null, 'diverged', 'diverged')
    expect(coach({ ...blownUp(10), history: [blew] })[0].message).toMatch(/learning rate 1 \(run #\d+ \(blew\): diverged\)/)
    // Every smaller rate tried: nothing is suggested by one setting, and no button says otherwise.
    const all = [1, 0.1, 0.01].map((lr) => past(parseHyperparams({ learningRate: lr, limitTrain: 5000 }), 0.1))
    const [stuck] = coach({ ...blownUp(10), history: all })
    expect(stuck.suggestion.settings).toEqual({})
    expect(stuck.message).toMatch(/Nothing nearby is left to try by one setting\./)
  })

  it('points back to the earlier run that did better beyond noise, instead of suggesting the same settings again', () => {
    const better = past(parseHyperparams({ learningRate: 1, limitTrain: 5000, name: 'good one' }), 0.9)
    const [hint] = coach({ ...blownUp(10), history: [better] })
    expect(hint.suggestion).toEqual({ label: `back to run #${better.id} (good one)`, settings: {} })
    expect(hint.message).toMatch(
      new RegExp(`You tried learning rate 1 in run #${better.id} \\(good one\\), and it did better \\(90\\.0%\\): go back to that run\\.`)
    )
  })

  it('says whether a followed suggestion helped, with both accuracies, beyond the test set’s noise; a run that changed more followed none', () => {
    const from = past(blownUp(10).hyperparams, 0.114, { label: 'learning rate 1', settings: { learningRate: '1' } }, 'exploding')
    const followed = withSettings(from.hyperparams, { learningRate: '1' })!
    expect(followUp(read(followed, 0.107), [from])).toMatchObject({
      runId: from.id,
      before: 0.114,
      after: 0.107,
      verdict: 'same',
      message: `This run followed the suggestion "learning rate 1" from run #${from.id} (${from.name}): test accuracy 11.4% → 10.7%, both still guessing (chance is 10.0%): it has not helped yet.`
    })
    // Ahead by noise at chance level is not "it helped" (the coach's e2e test found 8.0% → 10.7% called so).
    expect(followUp(read(followed, 0.14), [{ ...from, testAccuracy: 0.08 }])).toMatchObject({ verdict: 'same' })
    // 1.5 points on 1,000 digits at 90% is within the noise (about ±1.9 points); 3 points is not.
    expect(followUp(read(followed, 0.915), [{ ...from, testAccuracy: 0.9 }])).toMatchObject({
      verdict: 'same',
      message: expect.stringMatching(/no change beyond noise\.$/)
    })
    expect(followUp(read(followed, 0.93), [{ ...from, testAccuracy: 0.9 }])).toMatchObject({ verdict: 'helped' })
    expect(followUp(read(followed, 0.9), [from])).toMatchObject({ verdict: 'helped', message: expect.stringMatching(/11\.4% → 90\.0%, it helped\.$/) })
    expect(followUp(read(followed, null, 'diverged'), [from])).toMatchObject({
      verdict: 'worse',
      after: 0,
      message: expect.stringMatching(/11\.4% → diverged, it made things worse/)
    })
    // A run stopped partway says nothing about the suggestion.
    expect(followUp(read(followed, 0.3, 'stopped'), [from])).toBeNull()
    expect(followUp(read({ ...followed, batchSize: 50 }, 0.9), [from])).toBeNull()
    // The name and the seed do not make a different experiment.
    expect(followUp(read({ ...followed, seed: 99, name: 'again' }, 0.9), [from])).toMatchObject({ verdict: 'helped' })
  })
})

describe('following the coach on real training', () => {
  const lab = new Lab({ dbPath: join(tempDir(), 'coach-history.db') })
  afterAll(() => lab.close())

  it('from lr 10 on the course CNN, 5,000 digits: at least 85% within three suggested runs, never repeating a learning rate, each run told whether it helped', async () => {
    const settings = { limitTrain: 5000, limitTest: 1000, epochs: 3 }
    let { runId } = await lab.startRun(parseHyperparams({ ...settings, learningRate: 10 }))
    await lab.waitForRun(runId)
    let run = lab.getRun(runId)
    const rates = [run.hyperparams.learningRate]
    for (let followed = 0; followed < 3 && run.epochs.at(-1)!.testAccuracy < 0.85; followed++) {
      const before = run
      const next = withSettings(before.hyperparams, before.hints[0].suggestion.settings)!
      ;({ runId } = await lab.startRun(next))
      await lab.waitForRun(runId)
      run = lab.getRun(runId)
      rates.push(run.hyperparams.learningRate)
      expect(run.followUp).toMatchObject({ runId: before.id, before: before.epochs.at(-1)!.testAccuracy, after: run.epochs.at(-1)!.testAccuracy })
    }
    expect(run.epochs.at(-1)!.testAccuracy).toBeGreaterThanOrEqual(0.85)
    expect(rates.length).toBeLessThanOrEqual(4)
    expect(new Set(rates).size).toBe(rates.length)
  })
})
