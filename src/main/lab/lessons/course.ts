// The course behind the Course view and the lesson CLI: a lesson's experiment is queued as an
// ordinary sweep, and an answer is judged against the runs that sweep trained, read back from
// the store. Progress lives in SQLite beside the runs.
import { LESSONS, lessonById, type Finding, type Lesson, type RunEvidence } from '@shared/lessons'
import { judge } from '@shared/lessons/judge'
import type { AnswerResult, CourseProgress, LessonProgress } from '@shared/lessons/progress'
import { isActiveStatus, type LayerSummary } from '@shared/run-types'
import { LabError } from '../lab-error'
import { json } from '../store/rows'
import type { Store } from '../store/store'

export class Course {
  constructor(
    private readonly store: Store,
    readonly digitLimit: number | null
  ) {}

  lesson(lessonId: string): Lesson {
    const lesson = lessonById(lessonId)
    if (!lesson) throw new LabError(`there is no lesson "${lessonId}" (lessons: ${LESSONS.map((l) => l.id).join(', ')})`, 'missing')
    return lesson
  }

  progress(): CourseProgress {
    return { lessons: LESSONS.map((l) => this.store.lessons.progress(l.id)), digitLimit: this.digitLimit }
  }

  /** Records that the sweep `sweepId` is the lesson's experiment now. */
  started(lessonId: string, sweepId: number): void {
    this.store.lessons.start(lessonId, sweepId)
  }

  /** What the lesson's last experiment shows: its ended runs, and the answer they give (null when they cannot tell). */
  finding(lessonId: string): { lesson: Lesson; progress: LessonProgress; runs: RunEvidence[]; finding: Finding | null } {
    const lesson = this.lesson(lessonId)
    const progress = this.store.lessons.progress(lesson.id)
    if (progress.sweepId == null) throw new LabError(`lesson ${lesson.id} has no runs yet: run its experiment first`)
    const pending = progress.runIds.filter((id) => isActiveStatus(this.store.runs.row(id).status))
    if (pending.length) throw new LabError(`lesson ${lesson.id}'s runs are still training (run ${pending.join(', ')}): answer once they have ended`)
    const runs = progress.runIds.map((id) => this.evidence(id))
    return { lesson, progress, runs, finding: lesson.question.finding(runs) }
  }

  answer(lessonId: string, answer: string): AnswerResult {
    const lesson = this.lesson(lessonId)
    const { runs, progress } = this.finding(lesson.id)
    const verdict = judge(lesson, runs, answer)
    if (!verdict)
      throw new LabError(`lesson ${lesson.id}'s runs (${progress.runIds.join(', ')}) ended without what the question reads: run the experiment again`)
    this.store.lessons.answer(this.store.lessons.lastAttempt(lesson.id)!.id, answer, verdict.correct, progress.runIds)
    return { ...verdict, progress: this.store.lessons.progress(lesson.id) }
  }

  private evidence(runId: number): RunEvidence {
    const row = this.store.runs.row(runId)
    return {
      run: this.store.runs.summary(runId),
      epochs: this.store.metrics.epochs(runId),
      layers: json<LayerSummary[]>(row.layers, []),
      mistakes: this.store.metrics.misclassified(runId).items
    }
  }
}
