// Engine events arrive at the batch rate; the UI wants a steady ~30 messages a second.
// Events are queued and sent together, none dropped, so curves keep every point.
import type { LabEventBatch } from '@shared/contract'
import type { LabEvent } from '@shared/run-types'

export function coalesce(send: (batch: LabEventBatch) => void, intervalMs = 33): { push(e: LabEvent): void; flush(): void; close(): void } {
  let queue: LabEvent[] = []
  let timer: NodeJS.Timeout | null = null
  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = null
    if (!queue.length) return
    const batch = queue
    queue = []
    send(batch)
  }
  return {
    push(e) {
      queue.push(e)
      // A run's end should reach the UI at once; everything else waits for the next tick.
      if (e.type !== 'batch' && e.type !== 'epoch' && e.type !== 'started') flush()
      else timer ??= setTimeout(flush, intervalMs)
    },
    flush,
    close() {
      if (timer) clearTimeout(timer)
      timer = null
      queue = []
    }
  }
}
