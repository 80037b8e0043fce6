// The training worker's events, coalesced into few messages. One message per step cost the
// trainer a structured clone and a wake-up of the main thread every few milliseconds, while the
// lab engine's helper thread waited for the trainer's next step (about 0.1 ms a step of the
// course's CNN: README, the threads' handshake). Every event still arrives, in order: batch events wait until
// `everyMs` have passed since the last message, and any other event (a status, an epoch, the end)
// goes at once with the batches before it. Slow steps (each over `everyMs`) go one at a time, as
// before: the clock only runs while events come, since a busy training thread runs no timers.
import type { EngineEvent } from '../engine/engine-event'

export interface EventBatcher {
  emit(event: EngineEvent): void
  /** Sends what waits now (before a message on another channel, which must not overtake it). */
  flush(): void
}

export function eventBatcher(post: (events: EngineEvent[]) => void, everyMs = 100, now: () => number = () => performance.now()): EventBatcher {
  let waiting: EngineEvent[] = []
  let sentAt = -Infinity
  const flush = (): void => {
    if (waiting.length === 0) return
    const events = waiting
    waiting = []
    sentAt = now()
    post(events)
  }
  return {
    emit(event) {
      waiting.push(event)
      if (event.type !== 'batch' || now() - sentAt >= everyMs) flush()
    },
    flush
  }
}
