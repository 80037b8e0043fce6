// Small readings of a lesson's runs that several lessons' findings share.
import { FIELD, formatFieldValue, type FieldKey } from '../fields'
import type { RunEvidence } from './lesson'

/** "93.1%": accuracy as the lab prints it. */
export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

/** A run's test accuracy after its last epoch; a run that ended without one (diverged before an epoch) learned nothing measurable: 0. */
export const accuracy = (r: RunEvidence): number => r.epochs.at(-1)?.testAccuracy ?? r.run.finalTestAccuracy ?? 0

/** The value a run tried for a swept setting, as field text ("0.1", "relu"). */
export const pointOf = (r: RunEvidence, key: FieldKey): string => r.run.sweep?.point[key] ?? ''

/** That value in the field table's words ("leaky ReLU max(0.1x, x)"). */
export const pointLabel = (r: RunEvidence, key: FieldKey): string => formatFieldValue(FIELD[key], pointOf(r, key))

/** The runs whose score is the highest (ties all count: the learner may name any of them). */
export function best(runs: RunEvidence[], score: (r: RunEvidence) => number): RunEvidence[] {
  const top = Math.max(...runs.map(score))
  return runs.filter((r) => score(r) === top)
}

/** Each run's value and accuracy, in the experiment's order: "run 4 (relu) 91.2%, run 5 (tanh) 88.0%". */
export function accuracies(runs: RunEvidence[], key: FieldKey): string {
  return runs.map((r) => `run ${r.run.id} (${pointLabel(r, key)}) ${pct(accuracy(r))}`).join(', ')
}
