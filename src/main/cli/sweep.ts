// npm run sweep -- --lr 0.001,0.01,0.1 --activation relu,tanh [any train flag] [--repeat N]
//   [--random N] [--json] [--db PATH]: queues a grid (or random draws) of runs, shows the sweep's
//   progress, and ranks its runs at the end. A flag with several values (commas; "/" between
//   hidden-layer lists, whose own sizes use commas) is an axis; "LOW..HIGH" is a range for a
//   random sweep (log-uniform for the learning rate).
import { formatDuration } from '@shared/format'
import { FIELD, FIELDS, type FieldKey } from '@shared/fields'
import type { LabEvent, RunSummary } from '@shared/run-types'
import type { SweepAxis, SweepSpec } from '@shared/sweep'
import { Lab } from '../lab/lab'
import { numberFlag, parseFlags, runCli, UsageError } from '../terminal/args'
import { plain } from '../terminal/text'

const FLAGS = {
  ...Object.fromEntries(FIELDS.map((f) => [f.flag, { type: 'string' as const }])),
  repeat: { type: 'string' },
  random: { type: 'string' },
  'sweep-seed': { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' }
} as const satisfies Record<string, { type: 'string' | 'boolean' }>

const USAGE = `usage: npm run sweep -- [--FLAG v1,v2,...]... [--repeat N] [--random N] [--sweep-seed N] [--json] [--db PATH]
  Any train flag (npm run train -- --help) with several values is an axis: --lr 0.001,0.01,0.1 --activation relu,tanh
  --hidden lists are separated by "/": --hidden 128,64/256.  --random N draws N runs; then LOW..HIGH is a range: --lr 0.0001..0.1
  --repeat N runs each combination N times with the next seeds, to show the noise.`

/** A flag's text -> one value for the base, or an axis. */
function readFlag(key: FieldKey, text: string, random: boolean): { base?: string; axis?: SweepAxis } {
  const range = /^\s*([^.]+?)\s*\.\.\s*([^.]+?)\s*$/.exec(text)
  if (range && FIELD[key].kind !== 'text') {
    if (!random) throw new UsageError(`--${FIELD[key].flag} ${text}: a range needs --random N`)
    const min = numberFlag(FIELD[key].flag, range[1]) as number
    const max = numberFlag(FIELD[key].flag, range[2]) as number
    return { axis: { key, range: { min, max, scale: key === 'learningRate' ? 'log' : 'linear' } } }
  }
  const values = (key === 'hidden' ? text.split('/') : text.split(',')).map((v) => v.trim()).filter(Boolean)
  return values.length > 1 ? { axis: { key, values } } : { base: values[0] ?? '' }
}

function specFromFlags(values: Record<string, string | boolean | undefined>): SweepSpec {
  const random = values.random !== undefined
  const axes: SweepAxis[] = []
  const base: Partial<Record<FieldKey, string>> = {}
  for (const f of FIELDS) {
    const text = values[f.flag]
    if (typeof text !== 'string') continue
    const { base: one, axis } = readFlag(f.key, text, random)
    if (axis) axes.push(axis)
    else base[f.key] = one
  }
  if (!axes.length) throw new UsageError(`nothing to sweep: give a flag several values, e.g. --lr 0.001,0.01,0.1\n${USAGE}`)
  return {
    // The base is text per field, as the train command reads it; the plan validates each run.
    base: baseSettings(base),
    axes,
    mode: random ? 'random' : 'grid',
    samples: random ? (numberFlag('random', values.random as string, true) as number) : undefined,
    repeat: numberFlag('repeat', values.repeat as string | undefined, true) ?? 1,
    seed: numberFlag('sweep-seed', values['sweep-seed'] as string | undefined, true) ?? 1
  }
}

/** Base texts -> settings input; the preset implied by --hidden, numbers read as the table says. */
function baseSettings(texts: Partial<Record<FieldKey, string>>): SweepSpec['base'] {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(texts) as [FieldKey, string][]) {
    const f = FIELD[k]
    if (k === 'preset') out.architecture = { ...(out.architecture as object), preset: v }
    else if (k === 'hidden')
      out.architecture = { preset: 'mlp', ...(out.architecture as object), hidden: v.split(',').map((s) => numberFlag('hidden', s, true)) }
    else if (f.kind === 'text' || f.kind === 'choice') out[k] = v
    else out[k] = numberFlag(f.flag, v, f.kind !== 'number')
  }
  return out as SweepSpec['base']
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), FLAGS)
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\n${USAGE}`)
  const spec = specFromFlags(values)
  const json = !!values.json
  const lab = new Lab({ dbPath: values.db as string | undefined })
  try {
    const { sweepId, runIds } = await lab.startSweep(spec)
    const ids = new Set(runIds)
    const started = performance.now()
    const ended = new Set<number>()
    const progress = () => {
      const elapsed = (performance.now() - started) / 1000
      const eta = ended.size ? (elapsed / ended.size) * (runIds.length - ended.size) : null
      return `sweep ${sweepId}: ${ended.size} of ${runIds.length} runs done · ${formatDuration(elapsed)} so far · ETA ${formatDuration(eta, '--:--')}`
    }
    if (!json) process.stderr.write(`${lab.getSweep(sweepId).sweep.name}: ${runIds.length} runs queued in ${lab.dbPath}\n`)
    lab.subscribe((e: LabEvent) => {
      if (e.type !== 'finished' || !ids.has(e.runId)) return
      ended.add(e.runId)
      if (!json)
        process.stderr.write(
          `${progress()} (run ${e.runId} ${e.status}${e.finalTestAccuracy != null ? `, test accuracy ${(e.finalTestAccuracy * 100).toFixed(2)}%` : ''})\n`
        )
    })
    let interrupts = 0
    process.on('SIGINT', () => {
      if (++interrupts > 1) process.exit(130)
      process.stderr.write('\nCancelling the sweep: queued runs are dropped, the one training stops after its batch...\n')
      lab.cancelSweep(sweepId)
    })
    for (const id of runIds) await lab.waitForRun(id)
    const { sweep, runs, reading } = lab.getSweep(sweepId)
    const ranked = rank(runs)
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ type: 'sweep', sweepId, runIds, best: sweep.best, counts: sweep.counts, ranked: ranked.map((r) => ({ runId: r.id, point: r.sweep?.point, status: r.status, testAccuracy: r.finalTestAccuracy })), reading })}\n`
      )
    } else {
      process.stdout.write(rankedTable(ranked, spec))
      if (sweep.best) process.stdout.write(`Best: run ${sweep.best.runId}, test accuracy ${(sweep.best.testAccuracy * 100).toFixed(2)}%\n`)
      process.stdout.write(`${reading.message}\n`)
    }
    return Object.keys(sweep.counts).every((s) => s === 'completed' || s === 'stopped') ? 0 : 1
  } finally {
    await lab.close()
  }
}

function rank(runs: RunSummary[]): RunSummary[] {
  return runs.slice().sort((a, b) => (b.finalTestAccuracy ?? -1) - (a.finalTestAccuracy ?? -1))
}

function rankedTable(runs: RunSummary[], spec: SweepSpec): string {
  const keys = spec.axes.map((a) => a.key)
  const head = ['#', 'run', ...keys.map((k) => FIELD[k].flag), 'test acc', 'status', 'time']
  const rows = runs.map((r, i) => [
    String(i + 1),
    String(r.id),
    ...keys.map((k) => plain(r.sweep?.point[k] ?? '')),
    r.finalTestAccuracy == null ? '-' : `${(r.finalTestAccuracy * 100).toFixed(2)}%`,
    r.status,
    formatDuration(r.trainSeconds, '--:--')
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)))
  return (
    [head, ...rows]
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

void runCli(main)
