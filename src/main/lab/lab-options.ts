// How a lab is opened: the file, how many runs it trains, which queued runs it starts, and how it
// deals with a database that fails under it.
import type { OpenOptions } from './store/db'
import type { RetryPolicy } from './store/write-queue'

export interface LabOptions extends OpenOptions {
  /** Default: DIGIT_LAB_DB, else where the desktop app keeps its data. */
  dbPath?: string
  /**
   * How many runs train at once (a paused run keeps its place); further runs wait as 'queued', in
   * SQLite, and start in order. Default: DIGIT_LAB_MAX_RUNS, else one run per two cores.
   */
  maxRuns?: number
  /**
   * Start queued runs that no live process holds: left by a lab that closed, or whose process died.
   * Long-lived labs (the desktop app, serve mode) do, the default; a one-run CLI does not.
   */
  adoptQueued?: boolean
  /** How long failed writes are retried before a run's are given up (tests shorten it). */
  retry?: Partial<RetryPolicy>
  /** Where closing saves what the lab holds if its file was lost (default: beside the lost file). */
  rescueTo?: string
  /**
   * Caps a lesson's training and test digits (each at most this many): a class on slow machines,
   * or a browser test, runs the course's experiments smaller, and the Course view says so.
   */
  lessonDigits?: number
}
