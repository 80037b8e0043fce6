// The coach's panel: real runs labelled with what a teacher would say (test/fixtures/coach-panel),
// and the coach scored on them: per hint kind, how often it is right when it speaks (precision) and
// how often it speaks when it should (recall), with every miss and false alarm by name.
import type { HyperparamsInput } from '@shared/hyperparams'
import type { InsidePoint } from '@shared/inside'
import { ADVICE_KINDS, HINT_KINDS, type BatchMetric, type Hint, type HintKind, type RunDetail } from '@shared/run-types'
import type { CoachInput } from './hints'

export interface PanelCase {
  name: string
  /** Train settings as a learner would give them (the field table's schema fills the rest). */
  settings: HyperparamsInput
  /** A folder dataset of the recipe's `folders`, built from MNIST by the recorder. */
  folder?: string
  /** The hints a teacher would give, the first cause first. */
  expect: HintKind[]
  /** Hints true enough of this run not to count as false alarms, nor as misses when absent. */
  allow?: HintKind[]
  /** The settings the first hint must suggest, as the Train form would get them. */
  suggests?: Record<string, string>
  why: string
}

export interface PanelRecipe {
  folders: Record<string, { classes: string[]; train: number; test: number }>
  cases: PanelCase[]
}

/** A recorded run: what the coach reads of it, and what trained it. */
export interface PanelRun {
  name: string
  engine: string
  input: CoachInput
}

/**
 * What the coach reads of a finished run, kept for the panel. The inside point loses its
 * histograms and filters (the coach reads norms and activation shares), and a folder dataset's
 * temporary path becomes its recipe name.
 */
export function panelRunOf(c: PanelCase, run: RunDetail, batches: BatchMetric[], inside: InsidePoint | null): PanelRun {
  const noCounts = { min: 0, max: 0, counts: [] }
  return {
    name: c.name,
    engine: run.backend?.name ?? 'unknown',
    input: {
      status: run.status,
      hyperparams: { ...run.hyperparams, dataset: c.folder ? `folder:${c.folder}` : run.hyperparams.dataset },
      batches: batches.map((b) => ({ epoch: b.epoch, loss: b.loss })),
      epochs: run.epochs,
      confusion: run.confusion,
      classNames: run.classNames,
      inside: inside && { ...inside, filters: null, layers: inside.layers.map((l) => ({ ...l, weights: noCounts, gradients: noCounts })) }
    }
  }
}

export interface KindScore {
  kind: HintKind
  /** Runs labelled with it that got it. */
  hits: number
  /** Runs that got it without its label (nor its allowance). */
  falseAlarms: string[]
  /** Runs labelled with it that did not get it. */
  misses: string[]
  precision: number | null
  recall: number | null
}

export interface PanelScore {
  kinds: KindScore[]
  /** Runs whose first hint is not the first cause their label names (or that got a first hint where none was expected). */
  wrongFirst: { name: string; expected: HintKind | null; got: HintKind | null }[]
  /** Runs whose first hint suggests other settings than their label's `suggests`. */
  wrongSuggestions: { name: string; expected: Record<string, string>; got: Record<string, string> | null }[]
  /** Runs labelled with the settings their first hint must suggest. */
  suggestionsChecked: number
  /** Runs labelled healthy (no hint, or only advice) that got a warning (an allowed hint is not one). */
  healthyWarned: string[]
  healthy: number
  runs: number
}

/** Scores `read` (the coach, or a rule under test) on the recorded runs, by their labels. */
export function scorePanel(recipe: PanelRecipe, runs: PanelRun[], read: (input: CoachInput) => Pick<Hint, 'kind' | 'suggestion'>[]): PanelScore {
  const byName = new Map(runs.map((r) => [r.name, r]))
  const said = new Map<string, HintKind[]>()
  const firstSettings = new Map<string, Record<string, string> | null>()
  for (const c of recipe.cases) {
    const run = byName.get(c.name)
    if (!run) throw new Error(`The panel has no recorded run "${c.name}": run npm run coach:panel`)
    const hints = read(run.input)
    said.set(
      c.name,
      hints.map((h) => h.kind)
    )
    firstSettings.set(c.name, hints[0]?.suggestion.settings ?? null)
  }
  const kinds = HINT_KINDS.map((kind): KindScore => {
    let hits = 0
    const falseAlarms: string[] = []
    const misses: string[] = []
    for (const c of recipe.cases) {
      const got = said.get(c.name)!.includes(kind)
      const wanted = c.expect.includes(kind)
      if (wanted && got) hits++
      else if (wanted) misses.push(c.name)
      else if (got && !c.allow?.includes(kind)) falseAlarms.push(c.name)
    }
    const spoken = hits + falseAlarms.length
    const labelled = hits + misses.length
    return { kind, hits, falseAlarms, misses, precision: spoken ? hits / spoken : null, recall: labelled ? hits / labelled : null }
  })
  // The first hint is the reading's cause: it must be the label's first, or, on a run labelled healthy, at most an allowed one.
  const wrongFirst = recipe.cases
    .map((c) => ({
      name: c.name,
      expected: c.expect[0] ?? null,
      got: said.get(c.name)![0] ?? null,
      allowed: !c.expect.length && !!c.allow?.includes(said.get(c.name)![0])
    }))
    .filter((w) => w.expected !== w.got && !w.allowed)
    .map(({ name, expected, got }) => ({ name, expected, got }))
  const healthy = (c: PanelCase) => c.expect.every((k) => ADVICE_KINDS.includes(k))
  const healthyWarned = recipe.cases
    .filter((c) => healthy(c) && said.get(c.name)!.some((k) => !ADVICE_KINDS.includes(k) && !c.allow?.includes(k)))
    .map((c) => c.name)
  const wrongSuggestions = recipe.cases
    .filter((c) => c.suggests && JSON.stringify(firstSettings.get(c.name)) !== JSON.stringify(c.suggests))
    .map((c) => ({ name: c.name, expected: c.suggests!, got: firstSettings.get(c.name)! }))
  return {
    kinds,
    wrongFirst,
    wrongSuggestions,
    suggestionsChecked: recipe.cases.filter((c) => c.suggests).length,
    healthyWarned,
    healthy: recipe.cases.filter(healthy).length,
    runs: recipe.cases.length
  }
}

/** The score as the table coach:eval prints and the closing notes quote. */
export function panelTable(score: PanelScore): string {
  const p = (v: number | null) => (v == null ? '   -' : `${Math.round(v * 100)}%`.padStart(4))
  const lines = [`The coach on ${score.runs} recorded runs`, '', 'hint             precision  recall  hits  false alarms / misses']
  for (const k of score.kinds) {
    const wrong = [...k.falseAlarms.map((n) => `false alarm: ${n}`), ...k.misses.map((n) => `missed: ${n}`)].join(', ')
    lines.push(`${k.kind.padEnd(16)} ${p(k.precision).padStart(9)} ${p(k.recall).padStart(7)} ${String(k.hits).padStart(5)}  ${wrong}`)
  }
  lines.push('')
  lines.push(
    score.wrongFirst.length
      ? `First cause wrong on ${score.wrongFirst.length}: ${score.wrongFirst.map((w) => `${w.name} (wanted ${w.expected ?? 'nothing'}, got ${w.got ?? 'nothing'})`).join('; ')}`
      : 'First cause right on every run.'
  )
  lines.push(
    score.wrongSuggestions.length
      ? `First suggestion wrong on ${score.wrongSuggestions.length}: ${score.wrongSuggestions.map((w) => `${w.name} (wanted ${JSON.stringify(w.expected)}, got ${JSON.stringify(w.got)})`).join('; ')}`
      : `First suggestion right on every run labelled with one (${score.suggestionsChecked}).`
  )
  lines.push(`Healthy runs (no hint, or only "${ADVICE_KINDS.join('", "')}"): ${score.healthy}`)
  lines.push(score.healthyWarned.length ? `Healthy runs warned: ${score.healthyWarned.join(', ')}` : 'No warning on a healthy run.')
  return lines.join('\n')
}
