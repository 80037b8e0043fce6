import { describe, expect, it } from 'vitest'
import type { EngineEvent } from '../../../../../src/main/lab/engine/engine-event'
import { eventBatcher } from '../../../../../src/main/lab/training/event-batcher'

const batch = (step: number): EngineEvent => ({
  type: 'batch',
  runId: 1,
  metric: { step, epoch: 1, loss: 2.3 - step / 100, accuracy: 0.1, examplesPerSec: 1000, elapsed: step / 250 }
})
const status = (s: 'paused' | 'running'): EngineEvent => ({ type: 'status', runId: 1, status: s })

/** A batcher on a clock the test moves, and every message it posted. */
function setUp(everyMs = 100) {
  let t = 0
  const messages: EngineEvent[][] = []
  const batcher = eventBatcher(
    (events) => messages.push(events),
    everyMs,
    () => t
  )
  return { batcher, messages, advance: (ms: number) => (t += ms) }
}

describe('the training worker coalescing its events', () => {
  it('sends fast steps a message per 100 ms of them, every batch in order', () => {
    const { batcher, messages, advance } = setUp(100)
    const sent: EngineEvent[] = []
    for (let step = 1; step <= 100; step++) {
      advance(4)
      const e = batch(step)
      sent.push(e)
      batcher.emit(e)
    }
    batcher.flush()
    expect(messages.flat()).toEqual(sent)
    // The first at once, then one message per 100 ms of 4 ms steps (25 steps), then the rest on flush.
    expect(messages.map((m) => m.length)).toEqual([1, 25, 25, 25, 24])
  })

  it('sends slow steps one at a time, as they come', () => {
    const { batcher, messages, advance } = setUp(100)
    for (let step = 1; step <= 5; step++) {
      advance(150)
      batcher.emit(batch(step))
    }
    expect(messages).toEqual([1, 2, 3, 4, 5].map((s) => [batch(s)]))
  })

  it('sends any other event at once, with the batches that waited before it', () => {
    const { batcher, messages, advance } = setUp(100)
    batcher.emit(batch(1))
    advance(4)
    batcher.emit(batch(2))
    advance(4)
    batcher.emit(batch(3))
    expect(messages).toEqual([[batch(1)]])
    batcher.emit(status('paused'))
    expect(messages).toEqual([[batch(1)], [batch(2), batch(3), status('paused')]])
  })

  it('flushes on demand (before a message on another channel) and posts nothing when nothing waits', () => {
    const { batcher, messages, advance } = setUp(100)
    batcher.emit(batch(1))
    advance(1)
    batcher.emit(batch(2))
    batcher.flush()
    batcher.flush()
    expect(messages).toEqual([[batch(1)], [batch(2)]])
  })
})
