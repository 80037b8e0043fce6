// The course in the core, on a real SQLite file and real (300-digit) training: a lesson's
// experiment is an ordinary sweep in the queue, answers are judged against its ended runs and
// stored, bad input stores nothing, and progress is still there when the lab opens the file again.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Lab } from '../../../../../src/main/lab/lab'
import { lessonSweep } from '../../../../../src/main/lab/lessons/experiment'
import { planSweep } from '../../../../../src/main/lab/sweep/sweep-plan'
import { LESSONS, lessonById } from '../../../../../src/shared/lessons'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()

describe('lessons as data', () => {
  it('at least eight lessons, each id once, each experiment planned as the queue would (at full size and capped)', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(8)
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length)
    for (const l of LESSONS) {
      expect(l.id).toMatch(/^[a-z0-9-]+$/)
      expect(new Set(l.question.choices.map((c) => c.id)).size).toBe(l.question.choices.length)
      const full = planSweep(lessonSweep(l, null))
      expect(full.length).toBeGreaterThanOrEqual(1)
      expect(full.length).toBeLessThanOrEqual(6)
      for (const p of planSweep(lessonSweep(l, 300))) expect([p.hyperparams.limitTrain, p.hyperparams.limitTest]).toEqual([300, 300])
    }
    // The course's Net keeps the deck's epoch: all 60,000 training digits, 600 steps of 100.
    const [net] = planSweep(lessonSweep(lessonById('net')!, null))
    expect([net.hyperparams.limitTrain, net.hyperparams.batchSize, net.hyperparams.architecture.preset]).toEqual([null, 100, 'seed-cnn'])
  })
})

describe('the course in the lab', () => {
  const db = join(dir, 'course.db')

  it('queues the learning-rate lesson as a sweep, refuses answers until it ends, then judges and stores them', async () => {
    const lab = new Lab({ dbPath: db, lessonDigits: 300 })
    try {
      expect(() => lab.answerLesson('learning-rate', '0.1')).toThrow('lesson learning-rate has no runs yet: run its experiment first')
      const { sweepId, runIds } = await lab.startLesson('learning-rate')
      expect(runIds).toHaveLength(3)
      expect(lab.getSweep(sweepId).sweep.name).toBe('Lesson: The learning rate')
      expect(
        lab
          .listRuns()
          .filter((r) => runIds.includes(r.id))
          .map((r) => r.name)
          .sort()
      ).toEqual(['lesson learning-rate · learning rate 0.0005', 'lesson learning-rate · learning rate 0.1', 'lesson learning-rate · learning rate 5'])
      expect(() => lab.answerLesson('learning-rate', '0.1')).toThrow(/^lesson learning-rate's runs are still training \(run /)
      for (const id of runIds) await lab.waitForRun(id)

      const accuracy = (id: number) => lab.getRun(id).epochs.at(-1)?.testAccuracy ?? 0
      const best = runIds.reduce((a, b) => (accuracy(b) > accuracy(a) ? b : a))
      const right = lab.getRun(best).sweep!.point.learningRate!
      const rateOf = (id: number) => lab.getRun(id).sweep!.point.learningRate!
      const wrong = rateOf(runIds.find((id) => accuracy(id) < accuracy(best))!)

      // Bad input is refused and stores nothing.
      expect(() => lab.answerLesson('learning-rate', '0.3')).toThrow(`answer "0.3" is not one of lesson learning-rate's choices (0.0005, 0.1, 5)`)
      expect(() => lab.answerLesson('no-such-lesson', '1')).toThrow(/^there is no lesson "no-such-lesson" \(lessons: net, softmax/)
      expect(lab.courseProgress().lessons.find((p) => p.lessonId === 'learning-rate')!.answers).toEqual([])

      const refused = lab.answerLesson('learning-rate', wrong)
      expect(refused.correct).toBe(false)
      expect(refused.message).toBe(`Not what your runs show. ${lessonById('learning-rate')!.question.pointer}`)
      expect(refused.progress.done).toBe(false)
      const accepted = lab.answerLesson('learning-rate', right)
      expect(accepted.correct).toBe(true)
      expect(accepted.message).toMatch(/^Right: test accuracy by learning rate: run \d+ \(0\.0005\) /)
      expect(accepted.progress).toMatchObject({ lessonId: 'learning-rate', sweepId, runIds, done: true })
      expect(accepted.progress.answers.map((a) => [a.answer, a.correct, a.runIds])).toEqual([
        [wrong, false, runIds],
        [right, true, runIds]
      ])
    } finally {
      await lab.close()
    }
  })

  it('keeps the progress in the file: a new lab on it reads the same lessons, answers and runs', async () => {
    const lab = new Lab({ dbPath: db, readonly: true })
    try {
      const progress = lab.courseProgress()
      expect(progress.digitLimit).toBeNull()
      expect(progress.lessons.map((p) => p.lessonId)).toEqual(LESSONS.map((l) => l.id))
      const lr = progress.lessons.find((p) => p.lessonId === 'learning-rate')!
      expect(lr.done).toBe(true)
      expect(lr.runIds).toHaveLength(3)
      expect(lr.answers.map((a) => a.correct)).toEqual([false, true])
      expect(progress.lessons.filter((p) => p.done)).toHaveLength(1)
    } finally {
      await lab.close()
    }
  })
})
