// npm run coach:eval [-- --json]: the coach scored on its panel of recorded runs
// (test/fixtures/coach-panel): precision and recall per hint kind, every false alarm and miss by
// name, runs whose first cause is wrong, and healthy runs that were warned. Never trains.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { coach, panelTable, scorePanel, type PanelRecipe, type PanelRun } from '../src/main/lab/bench-entry'

const PANEL = resolve(import.meta.dirname, '../test/fixtures/coach-panel')
const { values } = parseArgs({ options: { json: { type: 'boolean' } } })
const recipe = JSON.parse(readFileSync(join(PANEL, 'recipe.json'), 'utf8')) as PanelRecipe
const runs = recipe.cases.map((c) => JSON.parse(readFileSync(join(PANEL, `${c.name}.json`), 'utf8')) as PanelRun)
const score = scorePanel(recipe, runs, coach)
if (values.json) process.stdout.write(`${JSON.stringify(score)}\n`)
else {
  process.stdout.write(`${panelTable(score)}\n\nRun by run:\n`)
  for (const c of recipe.cases) {
    const run = runs.find((r) => r.name === c.name)!
    const said = coach(run.input).map((h) => h.kind)
    const ok =
      !score.wrongFirst.some((w) => w.name === c.name) &&
      c.expect.every((k) => said.includes(k)) &&
      said.every((k) => c.expect.includes(k) || c.allow?.includes(k))
    process.stdout.write(
      `${ok ? '  ' : '✗ '}${c.name.padEnd(28)} said [${said.join(', ')}]  expected [${c.expect.join(', ')}]${c.allow?.length ? ` allowed [${c.allow.join(', ')}]` : ''}\n`
    )
  }
}
process.exitCode =
  score.healthyWarned.length || score.wrongFirst.length || score.wrongSuggestions.length || score.kinds.some((k) => k.misses.length || k.falseAlarms.length)
    ? 1
    : 0
