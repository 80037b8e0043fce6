// A one-line progress bar for terminals; plain periodic lines when stderr is not a terminal.
import { formatDuration } from '@shared/format'

export class ProgressBar {
  private lastDraw = 0
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly width = 28
  ) {}

  update(done: number, total: number, label: string, rate: number): void {
    const now = performance.now()
    const interval = this.out.isTTY ? 100 : 5000
    if (now - this.lastDraw < interval && done < total) return
    this.lastDraw = now
    const frac = total ? Math.min(1, done / total) : 0
    const filled = Math.round(frac * this.width)
    const eta = formatDuration(rate > 0 ? ((total - done) * (this.exampleScale || 1)) / rate : null, '--:--')
    const line = `[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${label} ${Math.round(rate)} ex/s ETA ${eta}`
    this.out.write(this.out.isTTY ? `\r${line}\x1b[K` : `${line}\n`)
  }

  /** Examples per step, so ETA in steps can be computed from a rate in examples/s. */
  exampleScale = 1

  clear(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K')
  }
}
