// A sweep's runs, planned before any trains: every combination of the axes (grid) or seeded draws
// (random; log-uniform for ranges such as the learning rate), each repeated with the next seeds.
// Every planned run is validated like any other, so a bad value fails the whole sweep up front.
import { changedSettings, FIELD, formatFieldValue, parseHyperparams, type FieldKey } from '@shared/fields'
import type { Hyperparams } from '@shared/hyperparams'
import type { SweepPoint, SweepSpec } from '@shared/sweep'
import { seededRandom } from '../data/batches'

export interface PlannedRun {
  point: SweepPoint
  repeat: number
  hyperparams: Hyperparams
}

/** At most this many runs per sweep: a typo in a grid must not queue a week of training. */
export const MAX_SWEEP_RUNS = 200

export class SweepError extends Error {
  override name = 'SweepError'
  readonly kind = 'invalid'
}

function cartesian(axes: { key: FieldKey; values: string[] }[]): SweepPoint[] {
  return axes.reduce<SweepPoint[]>((points, axis) => points.flatMap((p) => axis.values.map((v) => ({ ...p, [axis.key]: v }))), [{}])
}

/** A number drawn from a range, shown with 3 significant digits (a learning rate of 0.0031, not 0.003117...). */
function draw(rand: () => number, range: { min: number; max: number; scale: 'log' | 'linear' }): string {
  const u = rand()
  const v = range.scale === 'log' ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min)
  return String(Number(v.toPrecision(3)))
}

/**
 * How many runs a sweep would start, counted from its axes' lengths before anything is built: a
 * grid of 8 axes of 50 values is 50^8 combinations, refused in microseconds, never enumerated.
 */
export function sweepRunCount(spec: SweepSpec): number {
  const points = spec.mode === 'grid' ? spec.axes.reduce((n, a) => n * (a.values?.length ?? 0), 1) : (spec.samples ?? 0)
  return points * spec.repeat
}

function checkAxes(spec: SweepSpec): void {
  for (const a of spec.axes) {
    if (!a.values?.length && !a.range) throw new SweepError(`${FIELD[a.key].label}: give values or a range to sweep over`)
    if (a.range && spec.mode === 'grid') throw new SweepError(`${FIELD[a.key].label}: a range needs a random sweep (--random N); a grid needs a list of values`)
    if (a.range && a.range.scale === 'log' && !(a.range.min > 0)) throw new SweepError(`${FIELD[a.key].label}: a log range needs positive bounds`)
    if (a.range && !(a.range.max > a.range.min)) throw new SweepError(`${FIELD[a.key].label}: the range's upper bound must be above its lower bound`)
  }
  if (new Set(spec.axes.map((a) => a.key)).size !== spec.axes.length) throw new SweepError('each setting may be swept only once')
  if (spec.mode === 'random' && !((spec.samples ?? 0) >= 1)) throw new SweepError('a random sweep needs a number of samples (--random N)')
}

function points(spec: SweepSpec): SweepPoint[] {
  if (spec.mode === 'grid') return cartesian(spec.axes.map((a) => ({ key: a.key, values: a.values! })))
  const rand = seededRandom(spec.seed)
  return Array.from({ length: spec.samples! }, () =>
    Object.fromEntries(spec.axes.map((a) => [a.key, a.range ? draw(rand, a.range) : a.values![Math.floor(rand() * a.values!.length)]]))
  )
}

export function planSweep(spec: SweepSpec): PlannedRun[] {
  if (!(spec.repeat >= 1 && Number.isInteger(spec.repeat))) throw new SweepError('repeat must be a whole number of at least 1')
  checkAxes(spec)
  const count = sweepRunCount(spec)
  if (count > MAX_SWEEP_RUNS) {
    const sizes = spec.mode === 'grid' ? spec.axes.map((a) => a.values!.length).join(' × ') : `${spec.samples} draws`
    const total = count > Number.MAX_SAFE_INTEGER ? count.toExponential(2) : count.toLocaleString('en-US')
    throw new SweepError(
      `this sweep would start ${total} runs (${sizes}${spec.repeat > 1 ? ` × ${spec.repeat} repeats` : ''}); the lab's limit is ${MAX_SWEEP_RUNS}: use fewer values or a random sweep`
    )
  }
  const base = parseHyperparams(spec.base)
  const all = points(spec)
  return all.flatMap((point) =>
    Array.from({ length: spec.repeat }, (_, r) => {
      const { input, errors } = changedSettings(base, point)
      const first = Object.values(errors)[0]
      if (first) throw new SweepError(first)
      const hp = parseHyperparams({ ...input, seed: base.seed + r })
      return { point, repeat: r + 1, hyperparams: hp }
    })
  )
}

/** "Learning rate × Activation (random, 12 runs)": how a sweep is named. */
export const sweepName = (spec: SweepSpec, runs: number) =>
  spec.axes.map((a) => FIELD[a.key].label).join(' × ') + (spec.mode === 'random' ? ` (random, ${runs} runs)` : '')

/** "my sweep · lr 0.01 · activation relu", or "sweep 3 · ..." when it has no name: a sweep's run. */
export const sweepRunName = (sweepId: number, p: PlannedRun, repeats: number) =>
  `${p.hyperparams.name || `sweep ${sweepId}`} · ${pointName(p.point, p.repeat, repeats)}`

/** "learning rate 0.01 · activation leaky ReLU max(0.1x, x) · repeat 2": a sweep's run named in the field table's words. */
export function pointName(point: SweepPoint, repeat: number, repeats: number): string {
  const parts = Object.entries(point).map(([k, v]) => `${FIELD[k as FieldKey].label.toLowerCase()} ${formatFieldValue(FIELD[k as FieldKey], v)}`)
  if (repeats > 1) parts.push(`repeat ${repeat}`)
  return parts.join(' · ')
}
