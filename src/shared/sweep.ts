// A sweep's shape, shared by the CLI, the UI and the core: a base run's settings and axes, each
// a list of values (as field texts) or, for a random sweep, a numeric range.
import type { FieldKey } from './fields'
import type { HyperparamsInput } from './hyperparams'

export interface SweepAxis {
  key: FieldKey
  /** Values as the field table reads them ("0.01", "relu", "128,64"). */
  values?: string[]
  /** A random sweep may draw a number from a range instead; 'log' draws its exponent uniformly. */
  range?: { min: number; max: number; scale: 'log' | 'linear' }
}

export interface SweepSpec {
  base: HyperparamsInput
  axes: SweepAxis[]
  /** 'grid': every combination; 'random': `samples` draws, seeded. */
  mode: 'grid' | 'random'
  samples?: number
  /** Runs per combination, each with the next seed: shows how much is noise. */
  repeat: number
  /** Seeds the random draws (not the runs: each run keeps its own seed). */
  seed: number
}

/** The axes of a sweep as the settings each of its runs changes, for tables and charts. */
export type SweepPoint = Partial<Record<FieldKey, string>>

/** A sweep as lists show it: how far it has got and its best run so far. */
export interface SweepSummary {
  id: number
  name: string
  createdAt: string
  cancelled: boolean
  spec: SweepSpec
  /** Runs of the sweep by status; `total` counts them all. */
  counts: Record<string, number>
  total: number
  /** Ended (completed, stopped, diverged, failed, interrupted, or cancelled while queued). */
  done: number
  best: { runId: number; testAccuracy: number } | null
}
