// How the lab's events are sent to a window: batched per interval, the ends of runs and the
// store's health at once, in order, nothing after closing. Vitest's clock, so what is sent when
// depends only on the events pushed and the time advanced.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { coalesce } from '../../../../src/main/api/coalesce'
import type { LabEvent } from '../../../../src/shared/run-types'

describe('event coalescing', () => {
  const batch = (step: number): LabEvent => ({ type: 'batch', runId: 1, metric: { step, epoch: 1, loss: 1, accuracy: 0, examplesPerSec: 1, elapsed: 0 } })
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends one message per interval, every event once and in order', () => {
    const sent: { at: number; events: LabEvent[] }[] = []
    const c = coalesce((events) => sent.push({ at: Date.now(), events }), 33)
    const t0 = Date.now()
    const pushed: LabEvent[] = []
    // One batch a millisecond for a second: far faster than a window should redraw.
    for (let step = 1; step <= 1000; step++) {
      pushed.push(batch(step))
      c.push(pushed.at(-1)!)
      vi.advanceTimersByTime(1)
    }
    // A message every 33 ms, each with the 33 batches of its interval; the last 10 still wait.
    expect(sent.map((s) => s.at - t0)).toEqual(Array.from({ length: 30 }, (_, i) => 33 * (i + 1)))
    expect(sent.every((s) => s.events.length === 33)).toBe(true)
    expect(vi.getTimerCount()).toBe(1)

    // The end of a run goes out at once, behind what was waiting.
    pushed.push({ type: 'finished', runId: 1, status: 'completed', error: null, finalTestAccuracy: 0.9 })
    c.push(pushed.at(-1)!)
    expect(sent).toHaveLength(31)
    expect(sent.at(-1)!.at - t0).toBe(1000)
    expect(sent.at(-1)!.events.map((e) => e.type)).toEqual([...Array(10).fill('batch'), 'finished'])
    expect(sent.flatMap((s) => s.events)).toEqual(pushed)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sends a burst as one message, and status and store events at once', () => {
    const sent: LabEvent[][] = []
    const c = coalesce((events) => sent.push(events), 33)
    for (let step = 1; step <= 500; step++) c.push(batch(step))
    vi.advanceTimersByTime(32)
    expect(sent).toEqual([])
    vi.advanceTimersByTime(1)
    expect(sent).toHaveLength(1)
    expect(sent[0].map((e) => (e.type === 'batch' ? e.metric.step : 0))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))

    c.push(batch(501))
    c.push({ type: 'status', runId: 1, status: 'paused' })
    c.push({ type: 'store', error: 'the database is locked', retrying: true, fileLost: null, rescuedTo: null })
    expect(sent.slice(1).map((events) => events.map((e) => e.type))).toEqual([['batch', 'status'], ['store']])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sends nothing more once closed', () => {
    const sent: LabEvent[][] = []
    const c = coalesce((events) => sent.push(events), 33)
    c.push(batch(1))
    c.close()
    vi.advanceTimersByTime(1000)
    expect(sent).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
