// Is the file at the lab's path still the database it opened? SQLite keeps writing to an open
// file after it is deleted or replaced, so a lab whose file vanished would call runs completed
// that no one will ever read back; a file cut short turns every later write into an error. Each
// watchdog beat looks, and once the file is lost it stays lost for this lab.
import { statSync, type Stats } from 'node:fs'

export class FileGuard {
  private readonly opened: Stats | null
  private largest: number
  /** What happened to the file, as a sentence; null while it is the one opened. */
  lost: string | null = null
  /** Cut short: its pages past the cut are gone, so even the open copy is damaged (not just unreachable). */
  damaged = false

  constructor(private readonly path: string) {
    this.opened = path === ':memory:' ? null : statSync(path)
    this.largest = this.opened?.size ?? 0
  }

  /** Looks at the file once; returns the sentence once it is lost. */
  check(): string | null {
    if (this.lost || !this.opened) return this.lost
    let now: Stats
    try {
      now = statSync(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.lost = `${this.path} was deleted while the lab had it open`
      return this.lost
    }
    if (now.dev !== this.opened.dev || now.ino !== this.opened.ino) {
      this.lost = `${this.path} was replaced by another file while the lab had it open`
      return this.lost
    }
    // SQLite only ever grows a file the lab writes (nothing here VACUUMs it): smaller than it was
    // seen is cut short, and its pages are gone even if a checkpoint later writes past the cut.
    // The lab checkpoints only just after a look (DatabaseHealth.beat), so no checkpoint of its
    // own can grow a cut file back past this size unseen.
    this.damaged = now.size < this.largest
    if (this.damaged)
      this.lost = `${this.path} was cut short (from ${this.largest.toLocaleString('en')} to ${now.size.toLocaleString('en')} bytes) while the lab had it open`
    this.largest = Math.max(this.largest, now.size)
    return this.lost
  }
}
