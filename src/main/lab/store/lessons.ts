// The course's progress: each experiment a learner ran for a lesson (the sweep holding its runs)
// and each answer they gave to its question.
import type { LessonAnswer, LessonProgress } from '@shared/lessons/progress'
import type { Db } from './db'
import type { Write } from './runs'

interface AttemptRow {
  id: number
  lesson_id: string
  sweep_id: number | null
  started_at: string
}

interface AnswerRow {
  answer: string
  correct: number
  run_ids: string
  answered_at: string
}

export class LessonsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

  /** A new experiment for the lesson: the one its next answers are judged against. */
  start(lessonId: string, sweepId: number): number {
    return this.write(() =>
      Number(
        this.db.prepare(`INSERT INTO lesson_attempts (lesson_id, sweep_id, started_at) VALUES (?, ?, ?)`).run(lessonId, sweepId, new Date().toISOString())
          .lastInsertRowid
      )
    )
  }

  answer(attemptId: number, answer: string, correct: boolean, runIds: number[]): void {
    this.write(() =>
      this.db
        .prepare(`INSERT INTO lesson_answers (attempt_id, answer, correct, run_ids, answered_at) VALUES (?, ?, ?, ?, ?)`)
        .run(attemptId, answer, correct ? 1 : 0, JSON.stringify(runIds), new Date().toISOString())
    )
  }

  /** The lesson's last experiment (its id too, for answers), or null before the first. */
  lastAttempt(lessonId: string): { id: number; sweepId: number | null } | null {
    const row = this.db.prepare(`SELECT * FROM lesson_attempts WHERE lesson_id = ? ORDER BY id DESC LIMIT 1`).get(lessonId) as AttemptRow | undefined
    return row ? { id: row.id, sweepId: row.sweep_id } : null
  }

  progress(lessonId: string): LessonProgress {
    const last = this.db.prepare(`SELECT * FROM lesson_attempts WHERE lesson_id = ? ORDER BY id DESC LIMIT 1`).get(lessonId) as AttemptRow | undefined
    const done = !!this.db
      .prepare(`SELECT 1 FROM lesson_answers a JOIN lesson_attempts t ON t.id = a.attempt_id WHERE t.lesson_id = ? AND a.correct = 1 LIMIT 1`)
      .get(lessonId)
    const runIds = last?.sweep_id
      ? (this.db.prepare(`SELECT id FROM runs WHERE sweep_id = ? ORDER BY id`).all(last.sweep_id) as { id: number }[]).map((r) => r.id)
      : []
    const answers = last
      ? (this.db.prepare(`SELECT answer, correct, run_ids, answered_at FROM lesson_answers WHERE attempt_id = ? ORDER BY id`).all(last.id) as AnswerRow[]).map(
          (a): LessonAnswer => ({ answer: a.answer, correct: !!a.correct, runIds: JSON.parse(a.run_ids) as number[], at: a.answered_at })
        )
      : []
    return { lessonId, sweepId: last?.sweep_id ?? null, runIds, startedAt: last?.started_at ?? null, answers, done }
  }
}
