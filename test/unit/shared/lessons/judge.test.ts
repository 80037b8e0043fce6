// Answer checks on recorded runs (test/fixtures/lessons, recorded by record.ts at 300 digits with
// seeds 1 to 4): the right answer is what each recording shows, so where seeds disagree the
// same answer is right for one learner and wrong for another; a wrong answer gets the pointer,
// never the answer.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lessonById, type RunEvidence } from '../../../../src/shared/lessons'
import { judge } from '../../../../src/shared/lessons/judge'

const recorded = (id: string): Record<string, RunEvidence[]> =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/lessons', `${id}.json`), 'utf8')) as Record<string, RunEvidence[]>
const lesson = (id: string) => lessonById(id)!

describe('lesson answers judged from recorded runs', () => {
  it('dropout: seeds 1 and 3 disagree on which run overfits more, and each learner is judged on their own runs', () => {
    const runs = recorded('dropout')
    const l = lesson('dropout')
    // Seed 1: without dropout the gap is wider (18.3 against 14.0 points); seed 3: with it (20.0 against 18.7).
    expect(judge(l, runs[1], '0')).toEqual({
      correct: true,
      message: expect.stringMatching(/^Right: dropout 0 \(run \d+\): train 94\.7%, test 76\.3%, gap 18\.3%/)
    })
    expect(judge(l, runs[1], '0.5')).toEqual({ correct: false, message: `Not what your runs show. ${l.question.pointer}` })
    expect(judge(l, runs[3], '0.5')?.correct).toBe(true)
    expect(judge(l, runs[3], '0')).toEqual({ correct: false, message: `Not what your runs show. ${l.question.pointer}` })
  })

  it('learning rate: the best rate is read from each recording, with the accuracy of every run as evidence', () => {
    const l = lesson('learning-rate')
    for (const runs of Object.values(recorded('learning-rate'))) {
      const best = runs.reduce((a, r) => ((r.epochs.at(-1)?.testAccuracy ?? 0) > (a.epochs.at(-1)?.testAccuracy ?? 0) ? r : a))
      const right = best.run.sweep!.point.learningRate!
      const verdict = judge(l, runs, right)!
      expect(verdict.correct).toBe(true)
      for (const r of runs) expect(verdict.message).toContain(`run ${r.run.id} (${r.run.sweep!.point.learningRate})`)
      for (const wrong of l.question.choices.filter((c) => c.id !== right)) {
        const refused = judge(l, runs, wrong.id)!
        expect(refused.correct).toBe(false)
        // The pointer says where to look; it names no rate and no run's result.
        expect(refused.message).not.toMatch(/\d+\.\d%|run \d/)
      }
    }
  })

  it('activations: the least-learning activation, in the field table’s words in the evidence', () => {
    const l = lesson('activations')
    const runs = recorded('activations')[2]
    const worst = runs.reduce((a, r) => (r.epochs[0].testAccuracy < a.epochs[0].testAccuracy ? r : a))
    const verdict = judge(l, runs, worst.run.sweep!.point.activation!)!
    expect(verdict.correct).toBe(true)
    expect(verdict.message).toContain('(leaky ReLU max(0.1x, x))')
  })

  it('activations: runs tied at the bottom make either tied answer right', () => {
    const l = lesson('activations')
    const runs = structuredClone(recorded('activations')[1])
    const [a, b] = runs
    b.epochs[0].testAccuracy = a.epochs[0].testAccuracy = 0.05
    expect(judge(l, runs, a.run.sweep!.point.activation!)?.correct).toBe(true)
    expect(judge(l, runs, b.run.sweep!.point.activation!)?.correct).toBe(true)
    expect(judge(l, runs, runs[2].run.sweep!.point.activation!)?.correct).toBe(false)
  })

  it('softmax: the loss of the surest mistake is −ln of the probability it gave the true digit', () => {
    const l = lesson('softmax')
    const [run] = recorded('softmax')[1]
    const surest = run.mistakes.reduce((a, m) => (m.probs[m.predicted] > a.probs[a.predicted] ? m : a))
    const loss = -Math.log(surest.probs[surest.label])
    const bracket = loss < 1 ? 'under-1' : loss < 3 ? '1-3' : loss < 6 ? '3-6' : 'over-6'
    const verdict = judge(l, [run], bracket)!
    expect(verdict.correct).toBe(true)
    expect(verdict.message).toContain(`= ${loss.toFixed(2)}`)
    // A confident wrong answer costs more the surer it was: make this one surer and the bracket moves.
    const surer = structuredClone(run)
    const m = surer.mistakes.find((x) => x.index === surest.index)!
    m.probs = m.probs.map((_, k) => (k === m.predicted ? 0.999 : k === m.label ? 0.0005 : 0.0005 / 8))
    expect(judge(l, [surer], 'over-6')?.correct).toBe(true)
  })

  it('refuses an answer that is not one of the choices, naming them', () => {
    expect(() => judge(lesson('dropout'), recorded('dropout')[1], '0.3')).toThrow(`answer "0.3" is not one of lesson dropout's choices (0, 0.5)`)
  })

  it('says nothing when the runs cannot tell (a run that ended before its first epoch)', () => {
    const [run] = recorded('softmax')[1]
    expect(judge(lesson('net'), [{ ...run, epochs: [] }], '90-95')).toBeNull()
  })
})
