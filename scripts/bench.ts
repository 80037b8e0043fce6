// npm run bench: one epoch of the course's recipe on the full MNIST, timed beside PyTorch's
// reference in the same command, plus what logging to SQLite costs relative to training.
// Prints ratios, never pass/fail: absolute times on shared machines mean little.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Lab } from '../src/main/lab/lab'
import { mnistDir } from '../src/main/lab/data/datasets'
import { Store } from '../src/main/lab/store/store'
import { RunLogger } from '../src/main/lab/store/run-logger'
import { parseHyperparams } from '../src/shared/fields'
import type { BatchMetric, TrainEvent } from '../src/shared/run-types'

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '1' }, 'limit-train': { type: 'string' }, 'no-torch': { type: 'boolean' } } })
const epochs = Number(values.epochs)
const dir = mkdtempSync(join(tmpdir(), 'digit-lab-bench-'))

async function benchLab() {
  const lab = new Lab({ dbPath: join(dir, 'bench.db') })
  const batches: BatchMetric[] = []
  const epochRows: Extract<TrainEvent, { type: 'epoch' }>[] = []
  let backend = ''
  lab.subscribe((e) => {
    if (e.type === 'started') backend = `${e.backend.name} ${e.backend.version} (${e.backend.threads} thread${e.backend.threads > 1 ? 's' : ''}${e.backend.note ? `; ${e.backend.note}` : ''})`
    if (e.type === 'batch') batches.push(e.metric)
    if (e.type === 'epoch') {
      epochRows.push(e)
      process.stdout.write(`lab   epoch ${e.metric.epoch}: ${e.metric.seconds.toFixed(2)} s, test loss ${e.metric.testLoss.toFixed(4)}, test accuracy ${e.metric.testAccuracy.toFixed(4)}\n`)
    }
  })
  const { runId } = lab.startRun(parseHyperparams({ epochs, limitTrain: values['limit-train'] ? Number(values['limit-train']) : null }))
  const outcome = await lab.waitForRun(runId)
  await lab.close()
  if (outcome.status !== 'completed') throw new Error(`bench run ${outcome.status}: ${outcome.error}`)
  const trainSeconds = batches.length ? batches[batches.length - 1].elapsed : 0
  return { backend, batches, epochRows, trainSeconds }
}

/** Replays the run's own rows through the same logger into a fresh file: the cost of logging alone. */
function loggingSeconds(batches: BatchMetric[], epochRows: Extract<TrainEvent, { type: 'epoch' }>[]): number {
  const store = new Store(join(dir, 'replay.db'))
  const id = store.runs.create(parseHyperparams({}), 'replay')
  const logger = new RunLogger(store.metrics, id)
  const t0 = performance.now()
  for (const b of batches) {
    logger.add(b)
    logger.flushIfDue()
  }
  for (const e of epochRows) {
    logger.flush()
    store.metrics.addEpoch(id, e.metric, e.confusion, e.misclassified)
  }
  logger.flush()
  const seconds = (performance.now() - t0) / 1000
  store.close()
  return seconds
}

function benchTorch(): { trainSeconds: number; accuracy: number } | null {
  const script = resolve('../shared/reference/seed_reference.py')
  if (values['no-torch'] || !existsSync(script)) return null
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' })
  if (probe.status !== 0) {
    process.stdout.write('torch  not installed (apt-get install -y python3-torch) — no ratio to PyTorch\n')
    return null
  }
  const r = spawnSync('/usr/bin/python3', [script, mnistDir(), String(epochs), '2'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`seed_reference.py failed: ${r.stderr}`)
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; train_s: number; test_acc: number; test_loss: number })
  for (const row of rows) process.stdout.write(`torch epoch ${row.epoch}: ${row.train_s.toFixed(2)} s, test loss ${row.test_loss.toFixed(4)}, test accuracy ${row.test_acc.toFixed(4)}\n`)
  return { trainSeconds: rows.reduce((a, b) => a + b.train_s, 0), accuracy: rows[rows.length - 1].test_acc }
}

try {
  const lab = await benchLab()
  const examples = lab.batches.length * 100
  const logSeconds = loggingSeconds(lab.batches, lab.epochRows)
  const torch = benchTorch()
  const acc = lab.epochRows[lab.epochRows.length - 1].metric.testAccuracy
  process.stdout.write(
    [
      '',
      `backend              ${lab.backend}`,
      `seconds per epoch    ${(lab.trainSeconds / epochs).toFixed(2)} (training only, evaluation excluded)`,
      `examples/s           ${Math.round(examples / lab.trainSeconds)}`,
      `test accuracy        ${acc.toFixed(4)}`,
      `logging / training   ${((100 * logSeconds) / lab.trainSeconds).toFixed(2)}% (${lab.batches.length} batch rows replayed into SQLite in ${(logSeconds * 1000).toFixed(0)} ms)`,
      torch
        ? `lab / PyTorch time   ${(lab.trainSeconds / torch.trainSeconds).toFixed(2)}x (PyTorch ${(torch.trainSeconds / epochs).toFixed(2)} s/epoch, accuracy ${torch.accuracy.toFixed(4)}; lab accuracy ${acc >= torch.accuracy - 0.01 ? 'within' : 'NOT within'} one point)`
        : 'lab / PyTorch time   n/a',
      ''
    ].join('\n')
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
