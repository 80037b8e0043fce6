// Judging a learner's answer against what their runs show. Pure, so the core checks answers and
// the unit tests replay recorded runs through the very same code.
import { ValidationError } from '../fields'
import type { Lesson, RunEvidence } from './lesson'

export interface Verdict {
  correct: boolean
  /** Right: the numbers that make it right. Wrong: where to look, never the answer. */
  message: string
}

/** The choice ids a lesson's question accepts; anything else is bad input, not a wrong answer. */
export function checkChoice(lesson: Lesson, answer: string): void {
  const ids = lesson.question.choices.map((c) => c.id)
  if (!ids.includes(answer)) throw new ValidationError(`answer "${answer}" is not one of lesson ${lesson.id}'s choices (${ids.join(', ')})`)
}

/**
 * The verdict on `answer` from the lesson's ended runs, or null when the runs cannot tell (no
 * run ended with what the question reads): the caller says so rather than guess.
 */
export function judge(lesson: Lesson, runs: RunEvidence[], answer: string): Verdict | null {
  checkChoice(lesson, answer)
  const found = lesson.question.finding(runs)
  if (!found) return null
  if (found.choices.includes(answer)) return { correct: true, message: `Right: ${found.evidence}.` }
  return { correct: false, message: `Not what your runs show. ${lesson.question.pointer}` }
}
