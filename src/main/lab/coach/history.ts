// The learner's history, as the coach reads it: earlier runs of the same data, what each tried and
// how it ended. Settings are compared as the field table writes them, so "learning rate 1" is the
// same setting however it was typed; a run's name and seed do not make it a different experiment.
import { accuracyNoise } from '@shared/accuracy-noise'
import { changedSettings, checkHyperparams, textsOf, type FieldKey } from '@shared/fields'
import type { Hyperparams } from '@shared/hyperparams'
import type { FollowUp, Hint, HintKind, RunStatus } from '@shared/run-types'
import { SAY } from './sentences'

/** An earlier run of the same data, as the coach remembers it: only runs that finished (completed or diverged). */
export interface PastRun {
  id: number
  name: string
  hyperparams: Hyperparams
  status: RunStatus
  /** Its last epoch's test accuracy; null when it diverged. */
  testAccuracy: number | null
  /** What its coach suggested (its first hint's) and the kind of that hint, as it read the run with the history before it. */
  suggestion: Hint['suggestion'] | null
  firstKind: HintKind | null
}

/** Statuses whose result says what the settings do: a stopped, failed or interrupted run says nothing about them. */
export const FINISHED: readonly RunStatus[] = ['completed', 'diverged']

/** Accuracy below this many times chance is guessing: such runs are not better or worse than each other. */
export const CHANCE_MARGIN = 1.5

/** How far apart two test accuracies must be to differ beyond the test set's luck (accuracy-noise.ts), and at least half a point. */
export const noiseMargin = (p: number, n: number) => Math.max(0.005, accuracyNoise(p, n))

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

/** A run as the coach cites it: "run #12 (its name)". */
export const cite = (run: Pick<PastRun, 'id' | 'name'>) => `run #${run.id} (${run.name})`

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

/** What the run being read is, for the follow-up: its settings and result, and how many test digits measured it. */
export interface ReadRun {
  hyperparams: Hyperparams
  status: RunStatus
  testAccuracy: number | null
  testDigits: number
  classes: number
}

/**
 * Whether this run followed an earlier run's suggestion (its settings are that run's with the
 * suggestion applied), and whether that helped: both test accuracies, side by side. The caller
 * leaves out runs that followed nothing by construction (a sweep's, an imported model's).
 */
export function followUp(run: ReadRun, history: readonly PastRun[]): FollowUp | null {
  if (!FINISHED.includes(run.status)) return null
  const key = settingsKey(run.hyperparams)
  const from = [...history]
    .sort((a, b) => b.id - a.id)
    .find(
      (p) =>
        p.suggestion && Object.keys(p.suggestion.settings).length && settingsKey(withSettings(p.hyperparams, p.suggestion.settings) ?? p.hyperparams) === key
    )
  if (!from) return null
  const before = outcome(from)
  const after = outcome(run)
  // Two runs that both guess (below one and a half times chance) differ by noise, whichever is ahead.
  const chance = 1 / Math.max(2, run.classes)
  const guessing = run.status !== 'diverged' && from.status !== 'diverged' && Math.max(before, after) < CHANCE_MARGIN * chance
  const margin = noiseMargin(Math.max(before, after), run.testDigits)
  const verdict = guessing ? 'same' : after > before + margin ? 'helped' : after < before - margin ? 'worse' : 'same'
  const facts = { runId: from.id, runName: from.name, change: from.suggestion!.label, before, after, verdict } as const
  return {
    ...facts,
    message: SAY.followUp(facts, { guessingAt: guessing ? chance : null, fromDiverged: from.status === 'diverged', diverged: run.status === 'diverged' })
  }
}
