// The coach scored on its panel: real runs recorded by `npm run coach:panel` from the recipe in
// test/fixtures/coach-panel, each labelled with what a teacher would say. Every label must be met,
// with its first cause first, and no healthy run warned: a rule change that breaks a case fails here.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { coach } from '../../../../../src/main/lab/coach/hints'
import { panelTable, scorePanel, type PanelRecipe, type PanelRun } from '../../../../../src/main/lab/coach/panel'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { HINT_KINDS } from '../../../../../src/shared/run-types'
import { ROOT } from '../../../../helpers/node-child'

const PANEL = join(ROOT, 'test/fixtures/coach-panel')
const recipe = JSON.parse(readFileSync(join(PANEL, 'recipe.json'), 'utf8')) as PanelRecipe
const runs = recipe.cases.map((c) => JSON.parse(readFileSync(join(PANEL, `${c.name}.json`), 'utf8')) as PanelRun)

describe("the coach's panel", () => {
  it('holds at least 24 real runs, each recorded from its recipe: subsets of MNIST, the course CNN on all of it, and a folder dataset', () => {
    expect(runs.length).toBeGreaterThanOrEqual(24)
    for (const [i, c] of recipe.cases.entries()) {
      const recorded = runs[i].input.hyperparams
      const wanted = parseHyperparams({ ...c.settings, name: c.name, dataset: c.folder ? `folder:${c.folder}` : 'mnist' })
      expect(recorded, c.name).toEqual(wanted)
      // Real curves: one loss per step the settings imply (or fewer, for a run that blew up).
      expect(runs[i].input.batches.length, c.name).toBeGreaterThan(0)
      expect(runs[i].engine, c.name).not.toBe('unknown')
    }
    expect(recipe.cases.some((c) => c.name === 'cnn-course-full-3-epochs' && c.settings.limitTrain == null)).toBe(true)
    expect(runs.find((r) => r.name === 'cnn-course-full-3-epochs')!.input.batches).toHaveLength(1800)
    const folders = runs.filter((r) => r.input.hyperparams.dataset.startsWith('folder:'))
    expect(folders.length).toBeGreaterThanOrEqual(2)
    expect(folders[0].input.classNames).toEqual(recipe.folders['five-digits'].classes)
  })

  it('labels every hint kind on at least one run, and runs that must get no warning', () => {
    for (const kind of HINT_KINDS)
      expect(
        recipe.cases.some((c) => c.expect.includes(kind)),
        kind
      ).toBe(true)
    expect(recipe.cases.filter((c) => !c.expect.length || c.expect.every((k) => k === 'stillImproving')).length).toBeGreaterThanOrEqual(10)
  })

  it('scores the coach at 100% precision and recall for every kind, the first cause right on every run, and no healthy run warned', () => {
    const score = scorePanel(recipe, runs, coach)
    const table = panelTable(score)
    for (const k of score.kinds) {
      expect({ kind: k.kind, falseAlarms: k.falseAlarms, misses: k.misses }, table).toEqual({ kind: k.kind, falseAlarms: [], misses: [] })
      expect(k.precision, table).toBe(1)
      expect(k.recall, table).toBe(1)
    }
    expect(score.wrongFirst, table).toEqual([])
    expect(score.wrongSuggestions, table).toEqual([])
    expect(score.suggestionsChecked).toBeGreaterThanOrEqual(10)
    expect(score.healthyWarned, table).toEqual([])
  })

  it('catches a rule that is wrong: a coach that drops overfitting, names one cause too many, or suggests ten times too much, fails the panel', () => {
    const tenfold = scorePanel(recipe, runs, (input) =>
      coach(input).map((h) =>
        h.suggestion.settings.learningRate
          ? { ...h, suggestion: { ...h.suggestion, settings: { learningRate: String(Number(h.suggestion.settings.learningRate) * 10) } } }
          : h
      )
    )
    expect(tenfold.wrongSuggestions.map((w) => w.name)).toEqual(expect.arrayContaining(['cnn-lr-10', 'cnn-lr-0.0001']))
    const withoutOverfitting = scorePanel(recipe, runs, (input) => coach(input).filter((h) => h.kind !== 'overfitting'))
    expect(withoutOverfitting.kinds.find((k) => k.kind === 'overfitting')!.misses).toEqual([
      'mlp-512x512-overfit',
      'cnn-300-digits-overfit',
      'folder-mlp-overfit',
      'held-out-overfit-seed-2'
    ])
    const deadFirst = scorePanel(recipe, runs, (input) => {
      const said = coach(input)
      return input.inside?.activations.some((a) => (a.neverActive ?? 0) > 0.5)
        ? [{ kind: 'deadUnits' as const, suggestion: { label: '', settings: {} } }, ...said]
        : said
    })
    expect(deadFirst.wrongFirst.map((w) => w.name)).toEqual(expect.arrayContaining(['cnn-lr-10', 'mlp-relu-lr-1']))
  })
})
