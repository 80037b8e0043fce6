// What Runs' detail and Compare read about a run, and how they put it together (run-reads.ts):
// everything once, then only the batches past those held, the detail again only once the run has
// ended; the curves drawn from the live store where it holds as much.
import { describe, expect, it } from 'vitest'
import type { BatchMetric, EpochMetric, RunMetrics } from '../../../../src/shared/run-types'
import { NO_METRICS, planReads, shownPoints, withRead } from '../../../../src/renderer/src/lib/run-reads'

const batch = (step: number, epoch = 1): BatchMetric => ({ step, epoch, loss: 1 / step, accuracy: 0.5, examplesPerSec: 1000, elapsed: step / 10 })
const epoch = (n: number): EpochMetric => ({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.8, testLoss: 1 / n, testAccuracy: 0.8, seconds: 1, numTensors: 10 })
const steps = (m: RunMetrics) => m.batches.map((b) => b.step)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('planReads', () => {
  it('reads everything about a run it holds nothing of', () => {
    expect(planReads(7, { detail: false, metrics: null }, 'running')).toEqual({ detail: true, metrics: { runId: 7 } })
    expect(planReads(7, { detail: false, metrics: null }, 'completed')).toEqual({ detail: true, metrics: { runId: 7 } })
  })

  it('while the run trains, reads only the batches past the last one held, and not its detail', () => {
    const held = { batches: range(1, 40).map((s) => batch(s)), epochs: [epoch(1)] }
    for (const status of ['running', 'paused', 'queued'] as const)
      expect(planReads(7, { detail: true, metrics: held }, status)).toEqual({ detail: false, metrics: { runId: 7, after: 40 } })
  })

  it('reads the detail again once the run has ended, however it ended', () => {
    const held = { batches: [batch(1)], epochs: [] }
    for (const status of ['completed', 'stopped', 'diverged', 'failed', 'interrupted'] as const)
      expect(planReads(7, { detail: true, metrics: held }, status)).toEqual({ detail: true, metrics: { runId: 7, after: 1 } })
  })

  it('reads the detail of a training run when a first read of it failed, and from step 0 when none was stored yet', () => {
    expect(planReads(7, { detail: false, metrics: NO_METRICS }, 'running')).toEqual({ detail: true, metrics: { runId: 7, after: 0 } })
  })
})

describe('withRead', () => {
  it('appends the new batches and takes the epochs as read (a read returns them all)', () => {
    const held = { batches: range(1, 30).map((s) => batch(s)), epochs: [epoch(1)] }
    const read = { batches: range(31, 60).map((s) => batch(s, 2)), epochs: [epoch(1), epoch(2)] }
    const got = withRead(held, read, 30)
    expect(steps(got)).toEqual(range(1, 60))
    expect(got.epochs).toEqual([epoch(1), epoch(2)])
    // Nothing held is changed in place: the view's shallow ref sees a new value.
    expect(held.batches).toHaveLength(30)
  })

  it('leaves out batches already held (a read that overlaps), and keeps the same array when nothing is new', () => {
    const held = { batches: range(1, 30).map((s) => batch(s)), epochs: [epoch(1)] }
    expect(steps(withRead(held, { batches: range(25, 35).map((s) => batch(s)), epochs: [epoch(1)] }, 24))).toEqual(range(1, 35))
    const same = withRead(held, { batches: [], epochs: [epoch(1)] }, 30)
    expect(same.batches).toBe(held.batches)
  })

  it('takes a read of everything (no `after`) as it is', () => {
    const read = { batches: [batch(1), batch(2)], epochs: [] }
    expect(withRead({ batches: range(1, 9).map((s) => batch(s)), epochs: [epoch(1)] }, read, undefined)).toBe(read)
    expect(withRead(NO_METRICS, read, undefined)).toBe(read)
  })

  it('over a run of three epochs, a full read then three reads of what is new hold what one full read at the end would', () => {
    const stored: BatchMetric[] = []
    const epochs: EpochMetric[] = []
    let held: RunMetrics | null = null
    // The lab stores a run's batches a few at a time; the view reads at each epoch's end and at the end.
    for (let e = 1; e <= 3; e++) {
      stored.push(...range((e - 1) * 50 + 1, e * 50).map((s) => batch(s, e)))
      epochs.push(epoch(e))
      const plan = planReads(7, { detail: true, metrics: held }, e < 3 ? 'running' : 'completed')
      const after = plan.metrics.after
      const read = { batches: stored.filter((b) => after === undefined || b.step > after), epochs: [...epochs] }
      held = withRead(held ?? NO_METRICS, read, after)
    }
    expect(held).toEqual({ batches: stored, epochs })
  })
})

describe('shownPoints', () => {
  it("draws the live store's points while it holds at least as many as were read", () => {
    const read = range(1, 10).map((s) => batch(s))
    const live = range(1, 12).map((s) => batch(s))
    expect(shownPoints(read, live)).toBe(live)
    expect(shownPoints(read, live.slice(0, 10))).toEqual(read)
  })

  it('draws what was read where the live store holds fewer, or there is none', () => {
    const read = range(1, 10).map((s) => batch(s))
    expect(
      shownPoints(
        read,
        range(5, 10).map((s) => batch(s))
      )
    ).toBe(read)
    expect(shownPoints(read, null)).toBe(read)
    expect(shownPoints(read, undefined)).toBe(read)
  })
})
