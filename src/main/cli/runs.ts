// npm run runs -- list [--sweep ID]|show ID [--json] [--db PATH]|export ID --format pytorch --out DIR:
// reads runs back, read-only: it never creates, migrates or changes a database.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatDuration } from '@shared/format'
import { Lab } from '../lab/lab'
import { numberFlag, parseFlags, runCli, UsageError } from '../terminal/args'
import { hintLines } from '../terminal/hints'
import { plain } from '../terminal/text'

const USAGE = 'usage: npm run runs -- list [--sweep ID]|show ID [--json] [--db PATH]|export ID --format pytorch --out DIR [--db PATH]'

/** The run as a PyTorch package, written into a new or empty folder (never over someone's files). */
async function exportRun(lab: Lab, runId: number, format: string | undefined, out: string | undefined): Promise<number> {
  if (format !== 'pytorch') throw new UsageError(`export needs --format pytorch${format ? ` (got "${format}")` : ''}\n${USAGE}`)
  if (!out) throw new UsageError(`export needs --out DIR, the folder to write the package to\n${USAGE}`)
  const dir = resolve(out)
  if (existsSync(dir) && readdirSync(dir).length) throw new UsageError(`${dir} is not empty: export into a new or empty folder`)
  const files = await lab.pytorchFiles(runId)
  mkdirSync(dir, { recursive: true })
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes)
  process.stdout.write(`${plain(`Run ${runId} exported as PyTorch to ${dir}: ${files.map((f) => f.name).join(', ')}`)}\n`)
  process.stdout.write(`${plain(`Evaluate it: /usr/bin/python3 ${join(dir, 'evaluate.py')} IDX_DIR`)}\n`)
  return 0
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    json: { type: 'boolean' },
    db: { type: 'string' },
    sweep: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' }
  })
  const [command, id, extra] = positionals
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (command !== 'list' && command !== 'show' && command !== 'export') throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE)
  if (extra !== undefined || (command === 'list' && id !== undefined)) throw new UsageError(`unexpected argument "${extra ?? id}"\n${USAGE}`)
  const lab = new Lab({ dbPath: values.db, readonly: true })
  try {
    if (command === 'list') {
      const sweepId = numberFlag('sweep', values.sweep, true)
      // A sweep that does not exist is an error, not an empty list: the id was probably mistyped.
      const runs = sweepId === undefined ? lab.listRuns() : lab.getSweep(sweepId).runs
      if (values.json) process.stdout.write(`${JSON.stringify(runs)}\n`)
      else {
        if (!runs.length) process.stdout.write(`No runs in ${plain(lab.dbPath)}\n`)
        for (const r of runs) {
          const acc = r.finalTestAccuracy == null ? '   -  ' : `${(r.finalTestAccuracy * 100).toFixed(2)}%`
          process.stdout.write(
            `${String(r.id).padStart(4)}  ${r.status.padEnd(11)} ${acc.padStart(7)}  ${formatDuration(r.trainSeconds, '--:--').padStart(7)}  ${r.createdAt.slice(0, 16)}  ${plain(r.name)}\n`
          )
        }
      }
      return 0
    }
    if (id === undefined) throw new UsageError(`${command} needs a run id\n${USAGE}`)
    const runId = numberFlag('ID', id, true) as number
    if (command === 'export') return await exportRun(lab, runId, values.format, values.out)
    const run = lab.getRun(runId)
    // A model trained in PyTorch has no backend, optimizer or batches the lab knows of.
    const imported = run.trainedIn === 'pytorch'
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...run, batches: lab.runMetrics(runId).batches })}\n`)
      return 0
    }
    const lines = [
      `Run ${run.id}: ${run.name}`,
      `  status     ${run.status}${run.error ? ` (${run.error})` : ''}`,
      `  created    ${run.createdAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`,
      ...(imported
        ? [`  model      ${run.preset}, ${run.paramCount ?? '?'} parameters; ${run.hyperparams.activation}`]
        : [
            `  backend    ${run.backend ? `${run.backend.name} ${run.backend.version}, ${run.backend.threads} thread(s)` : '-'}`,
            `  model      ${run.preset}, ${run.paramCount ?? '?'} parameters; ${run.hyperparams.activation}, ${run.hyperparams.optimizer} lr ${run.hyperparams.learningRate}, batch ${run.hyperparams.batchSize}`
          ]),
      imported ? '  trained    in PyTorch and imported: its test evaluation and model, no training curves' : `  batches    ${run.batchCount} logged`,
      ...run.epochs.map(
        (e) =>
          `  epoch ${String(e.epoch).padStart(3)}  train loss ${e.trainLoss == null ? '     -' : e.trainLoss.toFixed(4)}  test loss ${e.testLoss.toFixed(4)}  test accuracy ${(e.testAccuracy * 100).toFixed(2)}%  ${e.seconds.toFixed(1)} s`
      )
    ]
    if (run.confusion) {
      lines.push('  confusion (rows: true, columns: predicted)')
      for (const row of run.confusion) lines.push(`    ${row.map((v) => String(v).padStart(5)).join('')}`)
    }
    if (run.notes) lines.push(`  notes      ${run.notes}`)
    lines.push(...hintLines(run.hints, '  ', run.followUp))
    process.stdout.write(`${plain(lines.join('\n'))}\n`)
    return 0
  } finally {
    await lab.close()
  }
}

void runCli(main)
