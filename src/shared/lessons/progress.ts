// A learner's progress through the course, as the lab stores and sends it.

export interface LessonAnswer {
  answer: string
  correct: boolean
  /** The runs the answer was checked against. */
  runIds: number[]
  at: string
}

export interface LessonProgress {
  lessonId: string
  /** The sweep the last "Run the experiment" queued, and its runs (null before the first). */
  sweepId: number | null
  runIds: number[]
  startedAt: string | null
  /** Answers to the last experiment's question, oldest first. */
  answers: LessonAnswer[]
  /** Answered right at least once, on any of its experiments. */
  done: boolean
}

export interface CourseProgress {
  lessons: LessonProgress[]
  /** This lab caps a lesson's training and test digits at this many (a class on slow machines, a test), or null. */
  digitLimit: number | null
}

export interface AnswerResult {
  correct: boolean
  message: string
  progress: LessonProgress
}
