// Whether the lab's database can be trusted with what the lab says it stored: writes that fail
// (retried, then given up), and the file itself deleted, replaced or cut short under the lab,
// with the rescue of what the open connection still holds.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { StoreHealth } from '@shared/run-types'
import { LabError } from '../lab-error'
import { FileGuard } from '../store/file-guard'
import { RESCUE_NAME } from '@shared/contract'
import { defaultRescuePath, rescueInto } from '../store/rescue'
import type { Store } from '../store/store'
import { DEFAULT_RETRY, WriteQueue, type RetryPolicy } from '../store/write-queue'
import type { EventHub } from './event-hub'

export interface HealthOptions {
  readonly: boolean
  retry?: Partial<RetryPolicy>
  /** Where closing saves a lost file's contents (default: beside it). */
  rescueTo?: string
}

export class DatabaseHealth {
  /** Every write the lab's runs make goes through here. */
  readonly writes: WriteQueue
  private readonly guard: FileGuard | null
  private rescuedTo: string | null = null
  /** The connection's change count when it was saved: more since, and closing saves again. */
  private changesAtRescue = 0

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly options: HealthOptions,
    /** Told the run whose writes were given up: its rows are no longer worth computing. */
    onGiveUp: (runId: number) => void,
    /** The runs training here: a copy taken while one trains would miss its last rows. */
    private readonly training: () => number[]
  ) {
    this.guard = options.readonly ? null : new FileGuard(store.path)
    this.writes = new WriteQueue(() => this.announce(), onGiveUp, { ...DEFAULT_RETRY, ...options.retry })
  }

  get state(): StoreHealth {
    const guard = this.guard
    const fileLost = guard?.lost ? `${guard.lost}${guard.damaged ? ': its pages past the cut are gone, so what the lab reads of it may be damaged' : ''}` : null
    return { ...this.writes.state, fileLost, rescuedTo: this.rescuedTo }
  }

  private announce(): void {
    this.hub.emit({ type: 'store', ...this.state })
  }

  /** Looks at the file (each watchdog beat, each new run, each rescue), and tells everyone the moment it is lost. */
  lost(): string | null {
    if (!this.guard) return null
    const known = this.guard.lost
    const lost = this.guard.check()
    if (lost && !known) this.announce()
    return lost
  }

  /**
   * Each watchdog beat: looks at the file, and only while it is still the one opened moves the
   * WAL into it. Nothing else writes the main file, so a cut cannot be grown over unseen.
   */
  beat(): void {
    if (!this.guard || this.lost()) return
    try {
      this.store.checkpoint()
    } catch {
      // A locked file: the next beat tries again.
    }
    // Looks again (a cut during the checkpoint), announcing the loss if this look is the first to see it.
    this.lost()
  }

  /** Refuses new runs once the file is lost: they would be stored where no one can read them back. */
  refuseRunsIfLost(): void {
    if (this.lost())
      throw new LabError(
        `${this.state.fileLost}. New runs are refused: they would be stored where no one can read them back. Save what the lab holds (Rescue), then restart it`
      )
  }

  /**
   * Saves everything the lab holds open, once its file was lost: to `name` beside the lost file
   * (a window's choice: a bare file name, never a path), else to `path` (the lab's own caller), else
   * to a dated name beside it.
   */
  rescue({ name, path }: { name?: string; path?: string } = {}): { path: string } {
    if (!this.lost()) throw new LabError(`${this.store.path} is still the file this lab opened: there is nothing to rescue`)
    const busy = this.training()
    if (busy.length)
      throw new LabError(`run ${busy.join(', ')} is still training: a copy taken now would miss its last rows. Stop it or let it end, then rescue`)
    if (name !== undefined && !RESCUE_NAME.test(name))
      throw new LabError(`save as a plain file name ending in .db, saved beside the lost file (got ${JSON.stringify(name)})`)
    const target = name !== undefined ? join(dirname(this.store.path), name) : (path ?? defaultRescuePath(this.store.path))
    rescueInto(this.store.db, target)
    this.rescuedTo = target
    this.changesAtRescue = this.changes()
    this.announce()
    return { path: target }
  }

  private changes(): number {
    return (this.store.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n
  }

  /** The lab is closing: a lock is no longer waited out for minutes. */
  closing(): void {
    this.writes.hurry()
  }

  /** Before the store closes: a lost file's contents live only in this process, so they are saved first (again, if changed since). */
  close(): void {
    this.writes.close()
    if (this.lost() && (!this.rescuedTo || this.changes() > this.changesAtRescue)) {
      const wanted = this.options.rescueTo
      try {
        this.rescue({ path: wanted && !existsSync(wanted) ? wanted : undefined })
      } catch (err) {
        console.error(`digit-lab: ${(err as Error).message}`)
      }
    }
  }
}
