// Whether the lab's database can be trusted with what the lab says it stored: writes that fail
// (retried, then given up), and the file itself deleted, replaced or cut short under the lab,
// with the rescue of what the open connection still holds.
import type { StoreHealth } from '@shared/run-types'
import { LabError } from '../lab-error'
import { FileGuard } from '../store/file-guard'
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

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly options: HealthOptions,
    /** Told the run whose writes were given up: its rows are no longer worth computing. */
    onGiveUp: (runId: number) => void
  ) {
    this.guard = options.readonly ? null : new FileGuard(store.path)
    this.writes = new WriteQueue(() => this.announce(), onGiveUp, { ...DEFAULT_RETRY, ...options.retry })
  }

  get state(): StoreHealth {
    return { ...this.writes.state, fileLost: this.guard?.lost ?? null, rescuedTo: this.rescuedTo }
  }

  private announce(): void {
    this.hub.emit({ type: 'store', ...this.state })
  }

  /** Looks at the file (each watchdog beat), and tells everyone the moment it is lost. */
  check(): void {
    if (this.guard && !this.guard.lost && this.guard.check()) this.announce()
  }

  /** Refuses new runs once the file is lost: they would be stored where no one can read them back. */
  admitRuns(): void {
    const lost = this.guard?.check()
    if (lost) throw new LabError(`${lost}: it would store new runs where no one can read them back, so none start. Save what the lab holds (Rescue), then restart it`)
  }

  /** Saves everything the lab holds open to a new file (default: beside the lost one), once the file was lost. */
  rescue(path?: string): { path: string } {
    if (!this.guard?.check()) throw new LabError(`${this.store.path} is still the file this lab opened: there is nothing to rescue`)
    const target = path ?? defaultRescuePath(this.store.path)
    rescueInto(this.store.db, target)
    this.rescuedTo = target
    this.announce()
    return { path: target }
  }

  /** Before the store closes: a lost file's contents live only in this process, so they are saved first. */
  close(): void {
    if (this.guard?.check() && !this.rescuedTo) {
      try {
        this.rescue(this.options.rescueTo)
      } catch (err) {
        console.error(`digit-lab: ${(err as Error).message}`)
      }
    }
    this.writes.close()
  }
}
