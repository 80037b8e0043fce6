// A lesson's experiment as the sweep the ordinary queue runs: its runs named after the lesson,
// and its digits capped where this lab caps lessons (a class on slow machines, a browser test).
import type { Lesson } from '@shared/lessons'
import type { SweepSpec } from '@shared/sweep'

export function lessonSweep(lesson: Lesson, digitLimit: number | null): SweepSpec {
  const { base, axes } = lesson.experiment
  const cap = (n: number | null | undefined) => (digitLimit == null ? (n ?? null) : Math.min(n ?? Infinity, digitLimit))
  return {
    base: { ...base, name: `lesson ${lesson.id}`, limitTrain: cap(base.limitTrain), limitTest: cap(base.limitTest) },
    // A one-run lesson is a sweep of one, so every lesson's runs are found the same way.
    axes: axes?.length ? axes : [{ key: 'seed', values: [String(base.seed ?? 1)] }],
    mode: 'grid',
    repeat: 1,
    seed: 1
  }
}
