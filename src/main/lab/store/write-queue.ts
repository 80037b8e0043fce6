// Writes that failed wait here, per run, and are retried in order: a lock another process holds
// for a while loses nothing. A write that keeps failing for another reason (a full disk, a file
// size limit, an I/O error) is not retried forever, holding the run's rows in memory while the lab
// says all is well: after a bounded wait the run's writes are given up, and the run is told so.
import type { StoreHealth } from '@shared/run-types'

/** The queue's share of the store's health: what failed last, and whether it is still retried. */
export type WriteHealth = Pick<StoreHealth, 'error' | 'retrying'>

export interface RetryPolicy {
  /** Between two tries of a failed write. */
  retryMs: number
  /** How long a run's writes may keep failing on another process's lock before they are given up. */
  lockedMs: number
  /** How long they may keep failing for any other reason (a full disk will not empty itself soon). */
  failingMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retryMs: 500, lockedMs: 5 * 60_000, failingMs: 10_000 }

/** SQLite's codes for a lock: another process is writing, and will be done. */
const isLock = (code: string | null | undefined) => !!code && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))

interface RunWrites {
  queue: (() => void)[]
  /** When the write at the head of the queue first failed; null while writes land. */
  failingSince: number | null
}

export class WriteQueue {
  private readonly runs = new Map<number, RunWrites>()
  /** Runs whose writes were given up, with why: nothing more of theirs is written. */
  private readonly lost = new Map<number, string>()
  private retryTimer: NodeJS.Timeout | null = null
  private health: WriteHealth = { error: null, retrying: false }

  constructor(
    /** Told when writing starts failing (with the reason), when nothing is retried any more, and when a write lands again. */
    private readonly onHealth: (health: WriteHealth) => void,
    /** Told once per run whose writes were given up: the run cannot be stored in full. */
    private readonly onGiveUp: (runId: number, reason: string) => void,
    private policy: RetryPolicy = DEFAULT_RETRY
  ) {}

  /** The last write error (null once a write landed again), and whether writes still wait to be retried. */
  get state(): WriteHealth {
    return this.health
  }

  /** Queues a write behind any that failed before it for the same run, and tries the queue now. */
  persist(runId: number, write: () => void): void {
    if (this.lost.has(runId)) return
    const run = this.runs.get(runId) ?? { queue: [], failingSince: null }
    run.queue.push(write)
    this.runs.set(runId, run)
    this.drain()
  }

  /** True while earlier writes of this run are waiting. */
  blocked(runId: number): boolean {
    return !!this.runs.get(runId)?.queue.length
  }

  /** Why the run's writes were given up, or null while they land (or wait to). */
  lostReason(runId: number): string | null {
    return this.lost.get(runId) ?? null
  }

  private drain(): void {
    for (const [runId, run] of this.runs) {
      while (run.queue.length) {
        try {
          run.queue[0]()
          run.queue.shift()
          run.failingSince = null
          this.landed()
        } catch (err) {
          const reason = (err as Error).message
          const now = performance.now()
          run.failingSince ??= now
          const patience = isLock((err as { sqliteCode?: string }).sqliteCode) ? this.policy.lockedMs : this.policy.failingMs
          if (now - run.failingSince >= patience) {
            this.setHealth({ error: reason, retrying: this.health.retrying })
            this.giveUp(runId, reason)
            break
          }
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = null
            this.drain()
          }, this.policy.retryMs)
          this.setHealth({ error: reason, retrying: true })
          return
        }
      }
      if (!run.queue.length) this.runs.delete(runId)
    }
    this.setHealth({ error: this.health.error, retrying: false })
  }

  private giveUp(runId: number, reason: string): void {
    this.runs.delete(runId)
    this.lost.set(runId, reason)
    this.onGiveUp(runId, reason)
  }

  private landed(): void {
    this.setHealth({ error: null, retrying: this.health.retrying })
  }

  private setHealth(health: WriteHealth): void {
    if (health.error === this.health.error && health.retrying === this.health.retrying) return
    this.health = health
    this.onHealth(health)
  }

  /** Resolves once everything queued for the run is written (true), or once it was given up (false). */
  async settled(runId: number): Promise<boolean> {
    while (this.blocked(runId)) await new Promise((r) => setTimeout(r, 100))
    return !this.lost.has(runId)
  }

  /** Forgets a run that has ended, so a long-lived lab does not keep every given-up id. */
  forget(runId: number): void {
    this.lost.delete(runId)
  }

  /**
   * The lab is closing: a lock is no longer waited out for minutes per run (quitting would take
   * that long), only as long as any other failure.
   */
  hurry(): void {
    this.policy = { ...this.policy, lockedMs: this.policy.failingMs }
  }

  /** Stops retrying: what still waits is given up (the lab is closing; its runs have ended). */
  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    for (const runId of [...this.runs.keys()]) this.giveUp(runId, this.health.error ?? 'the lab closed before they could be written')
    this.setHealth({ error: this.health.error, retrying: false })
  }
}
