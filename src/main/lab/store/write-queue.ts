// Writes that failed (a locked database) wait here, per run, and are retried in order until they
// land: a lock held by another process for a while loses nothing.
export class WriteQueue {
  private readonly backlog = new Map<number, (() => void)[]>()
  private retryTimer: NodeJS.Timeout | null = null
  /** The last write error; null once the backlog has drained. */
  error: string | null = null

  constructor(
    /** Told when writing starts failing (with the reason) and when it works again (null). */
    private readonly onHealth: (error: string | null) => void,
    private readonly retryMs = 500
  ) {}

  /** Queues a write behind any that failed before it for the same run, and tries the queue now. */
  persist(runId: number, write: () => void): void {
    const queue = this.backlog.get(runId) ?? []
    queue.push(write)
    this.backlog.set(runId, queue)
    this.drain()
  }

  /** True while earlier writes of this run are waiting. */
  blocked(runId: number): boolean {
    return !!this.backlog.get(runId)?.length
  }

  private drain(): void {
    for (const [runId, queue] of this.backlog) {
      while (queue.length) {
        try {
          queue[0]()
          queue.shift()
        } catch (err) {
          this.setError((err as Error).message)
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = null
            this.drain()
          }, this.retryMs)
          return
        }
      }
      this.backlog.delete(runId)
    }
    this.setError(null)
  }

  private setError(error: string | null): void {
    if (error === this.error) return
    this.error = error
    this.onHealth(error)
  }

  /** Resolves once everything queued for the run is written, or after `timeoutMs` of trying. */
  async settled(runId: number, timeoutMs = 60_000): Promise<void> {
    const until = performance.now() + timeoutMs
    while (this.blocked(runId) && performance.now() < until) await new Promise((r) => setTimeout(r, 100))
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }
}
