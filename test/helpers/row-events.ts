// Waiting on a lab's row events ('run'), as every UI sees a stored run change. Call it before the
// action that should cause the event, so nothing is missed. The deadline only turns a hang into a
// failure that names what never came and which rows did.
import type { Lab } from '../../src/main/lab/lab'
import type { RunSummary } from '../../src/shared/run-types'

export function nextRunEvent(lab: Lab, what: string, match: (run: RunSummary) => boolean, { timeoutMs = 60_000 } = {}): Promise<RunSummary> {
  const seen: string[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`waited ${timeoutMs / 1000}s for the lab to emit ${what}, in vain; rows it emitted: ${seen.join(', ') || 'none'}`))
    }, timeoutMs)
    const stop = lab.subscribe((e) => {
      if (e.type !== 'run') return
      seen.push(`run ${e.run.id} ${e.run.status}`)
      if (!match(e.run)) return
      clearTimeout(timer)
      stop()
      resolve(e.run)
    })
  })
}
