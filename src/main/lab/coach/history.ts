// The learner's history, as the coach reads it: earlier runs of the same data, what each tried and
// how it ended. Settings are compared as the field table writes them, so "learning rate 1" is the
// same setting however it was typed; a run's name and seed do not make it a different experiment.
import { changedSettings, checkHyperparams, textsOf, type FieldKey } from '@shared/fields'
import type { Hyperparams } from '@shared/hyperparams'
import type { FollowUp, Hint, RunStatus } from '@shared/run-types'
import { SAY } from './sentences'

/** An earlier run of the same data, as the coach remembers it. */
export interface PastRun {
  id: number
  name: string
  hyperparams: Hyperparams
  status: RunStatus
  /** Its last epoch's test accuracy; null when it diverged or ended before its first epoch. */
  testAccuracy: number | null
  /** What its coach suggested (its first hint's), as it read the run with the history before it. */
  suggestion: Hint['suggestion'] | null
}

/** Accuracy gained below this is no gain: seeds alone move a subset's accuracy about this much. */
export const SAME_ACCURACY = 0.005

/** Accuracy below this many times chance is guessing: such runs are not better or worse than each other. */
export const CHANCE_MARGIN = 1.5

const IGNORED: readonly FieldKey[] = ['name', 'seed']

/** The experiment a run's settings describe, as one comparable string. */
export function settingsKey(hp: Hyperparams): string {
  const texts: Partial<Record<FieldKey, string>> = textsOf(hp)
  for (const key of IGNORED) delete texts[key]
  return JSON.stringify([texts, hp.architecture.preset === 'custom' ? hp.architecture.layers : null])
}

/** The run's settings with `settings` (field texts, as a hint suggests them) applied; null if they do not make valid settings. */
export function withSettings(hp: Hyperparams, settings: Record<string, string>): Hyperparams | null {
  const { input, errors } = changedSettings(hp, settings)
  if (Object.keys(errors).length) return null
  return checkHyperparams(input).value
}

/** What a run scored: its test accuracy, or nothing for a run that blew up. */
export const outcome = (run: Pick<PastRun, 'status' | 'testAccuracy'>) => (run.status === 'diverged' ? 0 : (run.testAccuracy ?? 0))

/** Earlier runs that tried exactly these settings (the run's own with `settings` applied), latest first. */
export function triedBefore(history: readonly PastRun[], hp: Hyperparams, settings: Record<string, string>): PastRun[] {
  const next = withSettings(hp, settings)
  if (!next) return []
  const key = settingsKey(next)
  return history.filter((p) => settingsKey(p.hyperparams) === key).sort((a, b) => b.id - a.id)
}

/** Earlier runs that differ from this one in `key` alone (the field table's key), with their value of it. */
export function variantsOf(history: readonly PastRun[], hp: Hyperparams, key: keyof Hyperparams): PastRun[] {
  return history.filter((p) => p.hyperparams[key] !== hp[key] && settingsKey({ ...p.hyperparams, [key]: hp[key] }) === settingsKey(hp))
}

/**
 * Whether this run followed an earlier run's suggestion (its settings are that run's with the
 * suggestion applied), and whether that helped: both test accuracies, side by side.
 */
export function followUp(hp: Hyperparams, status: RunStatus, testAccuracy: number | null, history: readonly PastRun[], classes = 10): FollowUp | null {
  const key = settingsKey(hp)
  const from = [...history]
    .sort((a, b) => b.id - a.id)
    .find(
      (p) =>
        p.suggestion && Object.keys(p.suggestion.settings).length && settingsKey(withSettings(p.hyperparams, p.suggestion.settings) ?? p.hyperparams) === key
    )
  if (!from) return null
  const before = outcome(from)
  const after = outcome({ status, testAccuracy })
  // Two runs that both guess (below one and a half times chance) differ by noise, whichever is ahead.
  const chance = 1 / Math.max(2, classes)
  const guessing = status !== 'diverged' && Math.max(before, after) < CHANCE_MARGIN * chance
  const verdict = guessing ? 'same' : after > before + SAME_ACCURACY ? 'helped' : after < before - SAME_ACCURACY ? 'worse' : 'same'
  const facts = { runId: from.id, runName: from.name, change: from.suggestion!.label, before, after, verdict } as const
  return { ...facts, message: SAY.followUp(facts, guessing ? chance : null) }
}
