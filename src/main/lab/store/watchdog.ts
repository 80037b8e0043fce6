// One timer per writing lab, off the training path: it stamps a heartbeat on the runs this process
// owns, then marks 'interrupted' the runs whose owner died (a CLI run killed with kill -9 while
// the app is open), so every open lab notices, not only the next one to open the file.
import { HEARTBEAT_MS, type Owner } from './owners'
import type { RunsTable } from './runs'

export class Watchdog {
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly runs: RunsTable,
    private readonly me: Owner,
    /** The runs this lab trains now. */
    private readonly training: () => readonly number[],
    /** Told the runs this check marked interrupted (often none), after every check. */
    private readonly onChecked: (interrupted: number[]) => void,
    private readonly everyMs = HEARTBEAT_MS
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.everyMs)
    // A lab's own work keeps a process alive; its watchdog must not.
    this.timer.unref()
  }

  check(): void {
    let interrupted: number[] = []
    // A locked or vanished file: nothing to do now, the next beat tries again.
    try {
      this.runs.beat(this.me, this.training())
    } catch {
      // see above
    }
    try {
      interrupted = this.runs.recoverInterrupted(this.me)
    } catch {
      // see above
    }
    this.onChecked(interrupted)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
