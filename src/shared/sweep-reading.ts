// A sweep read as a whole: for each setting it varied, the mean test accuracy of the runs that
// tried each value (with the runs behind it), and which setting moved accuracy most (the spread
// between its best and worst value's mean). The same reading for the Sweeps view and the CLI.
import { accuracyNoise } from './accuracy-noise'
import { FIELD, formatFieldValue } from './fields'
import type { RunSummary } from './run-types'
import type { SweepSpec, SweepSummary } from './sweep'

export interface ValueEffect {
  value: string
  /** Ended runs that tried it (a run that blew up counts, at 0%). */
  runIds: number[]
  mean: number | null
  min: number | null
  max: number | null
}

export interface AxisEffect {
  key: SweepSpec['axes'][number]['key']
  label: string
  values: ValueEffect[]
  /** Best value's mean minus worst value's; null until two values have an ended run. */
  spread: number | null
}

/** A sweep, its runs, and the sweep read as a whole: what getSweep answers. */
export interface SweepDetail {
  sweep: SweepSummary
  runs: RunSummary[]
  reading: SweepReading
}

export interface SweepReading {
  axes: AxisEffect[]
  /** The setting that moved test accuracy most; null until one can be told. */
  strongest: AxisEffect['key'] | null
  /** The reading in one sentence. */
  message: string
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
const points = (v: number) => `${(v * 100).toFixed(1)} points`
/** What a run scored: a run that blew up scored nothing; one still training, stopped or failed says nothing about its settings. */
const scored = (r: RunSummary) => (r.status === 'diverged' ? 0 : r.status === 'completed' ? r.finalTestAccuracy : null)

export function readSweep(spec: SweepSpec, runs: RunSummary[]): SweepReading {
  const axes = spec.axes.map(({ key, values: given }): AxisEffect => {
    const tried = (r: RunSummary) => r.sweep?.point[key] ?? ''
    const order = given ?? [...new Set(runs.map(tried))].sort((a, b) => Number(a) - Number(b))
    const values = order.map((value): ValueEffect => {
      const behind = runs.filter((r) => tried(r) === value && scored(r) != null)
      const accs = behind.map((r) => scored(r)!)
      return {
        value,
        runIds: behind.map((r) => r.id),
        mean: accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : null,
        min: accs.length ? Math.min(...accs) : null,
        max: accs.length ? Math.max(...accs) : null
      }
    })
    const means = values.filter((v) => v.mean != null).map((v) => v.mean!)
    return { key, label: FIELD[key].label, values, spread: means.length > 1 ? Math.max(...means) - Math.min(...means) : null }
  })
  // A random sweep tries each value about once: a value's "mean" is one run, and every setting's spread is the whole sweep's.
  if (spec.mode === 'random')
    return {
      axes,
      strongest: null,
      message:
        'A random sweep tries each value about once, so it cannot say which setting moved test accuracy most: read the parallel coordinates, or sweep a grid.'
    }
  const ranked = axes.filter((a) => a.spread != null).sort((a, b) => b.spread! - a.spread!)
  const top = ranked[0]
  if (!top) return { axes, strongest: null, message: 'Not enough runs have ended to tell which setting matters: each setting needs two values with a result.' }
  const scores = runs.map(scored).filter((v): v is number => v != null)
  const testDigits = Math.min(...runs.map((r) => r.hyperparams.limitTest ?? 10_000))
  const floor = accuracyNoise(Math.max(...scores), testDigits)
  if (top.spread! < floor)
    return {
      axes,
      strongest: null,
      message: `No setting moved test accuracy beyond noise: the largest spread, ${top.label.toLowerCase()}'s, is ${points(top.spread!)}, within the ${points(floor)} that ${testDigits.toLocaleString('en')} test digits measure to.`
    }
  const withMean = top.values.filter((v) => v.mean != null)
  const best = withMean.reduce((b, v) => (v.mean! > b.mean! ? v : b))
  const worst = withMean.reduce((w, v) => (v.mean! < w.mean! ? v : w))
  const runsBehind = withMean.reduce((n, v) => n + v.runIds.length, 0)
  const others = ranked.slice(1).map((a) => `${a.label.toLowerCase()} moved it ${points(a.spread!)}`)
  const message =
    `${top.label} moved test accuracy most: from ${pct(worst.mean!)} (${formatFieldValue(FIELD[top.key], worst.value)}) to ${pct(best.mean!)} (${formatFieldValue(FIELD[top.key], best.value)}), a spread of ${points(top.spread!)} between the means of ${runsBehind} runs` +
    (others.length ? `; ${others.join(', ')}.` : '.')
  return { axes, strongest: top.key, message }
}
