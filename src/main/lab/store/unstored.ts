// What a run whose writes were given up says about itself: exactly what reached the file, read
// back from it, so no one takes a run cut short by a full disk for a finished one.
import type { MetricsTable } from './metrics'

const epochsText = (n: number) => (n === 1 ? 'epoch 1' : `epochs 1–${n}`)

/** "Only epoch 1 and 338 of 600 batches of epoch 2 were stored; the rest could not be written: <reason>" */
export function unstoredSentence(metrics: MetricsTable, runId: number, stepsPerEpoch: number | null, reason: string): string {
  let epochs: number
  let batches: number
  try {
    epochs = metrics.epochs(runId).length
    batches = metrics.batchCountAfter(runId, epochs)
  } catch (err) {
    return `The run could not be stored in full (${reason}), and what was stored could not be read back (${(err as Error).message})`
  }
  const partial = batches
    ? `${batches.toLocaleString('en')}${stepsPerEpoch ? ` of ${stepsPerEpoch.toLocaleString('en')}` : ''} batches of epoch ${epochs + 1}`
    : ''
  if (!epochs && !batches) return `Nothing of this run could be stored: ${reason}`
  const stored = [epochs ? epochsText(epochs) : '', partial].filter(Boolean).join(' and ')
  return `Only ${stored} ${(epochs === 1 && !batches) || (!epochs && batches === 1) ? 'was' : 'were'} stored; the rest could not be written: ${reason}`
}
