// npm run bench: the course's recipe on the full MNIST beside PyTorch's reference, in the same
// command. Prints ratios (training only, and whole epochs with their test evaluation), the engine
// and its threads, where an epoch's time goes, and how long the dataset takes to load.
// Never pass/fail: these machines are shared, and a busy one makes every number noise, so the
// bench looks at the machine first and says loudly when it is not quiet (--require-quiet refuses).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import {
  gatherBatch,
  InsideRecorder,
  loadDataset,
  mnistDir,
  prepareRun,
  profile,
  projectEmbedding,
  range,
  RunLogger,
  startProfiling,
  startStepper,
  Store,
  trainRun,
  type EngineEpochEvent
} from '../src/main/lab/bench-entry'
import { Lab } from '../src/main/lab/lab'
import { parseHyperparams } from '../src/shared/fields'
import type { BackendInfo, BatchMetric, EpochMetric } from '../src/shared/run-types'

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    'limit-train': { type: 'string' },
    'no-torch': { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    'require-quiet': { type: 'boolean' }
  }
})
const epochs = Number(values.epochs)
const hp = parseHyperparams({ epochs, limitTrain: values['limit-train'] ? Number(values['limit-train']) : null })
const dir = mkdtempSync(join(tmpdir(), 'digit-lab-bench-'))
const out = (line = '') => process.stdout.write(`${line}\n`)
const s = (x: number) => `${x.toFixed(2)} s`

// ---- is the machine quiet? ------------------------------------------------------------------

interface Quiet {
  ok: boolean
  text: string
}

type Ticks = Map<number, { name: string; ticks: number }>
interface Snapshot {
  at: number
  ticks: Ticks | null
}

/** CPU ticks of every process, from /proc (Linux); null where there is no /proc. */
function snapshot(): Snapshot {
  const at = performance.now()
  if (!existsSync('/proc/loadavg')) return { at, ticks: null }
  const ticks: Ticks = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ') // fields[0] is the state, field 3 of stat(5)
      ticks.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // the process ended meanwhile
    }
  }
  return { at, ticks }
}

const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100

/**
 * What processes other than this one used between two snapshots, in % of one core (processes
 * that ended in between are not seen; PyTorch, our child, has ended by the second snapshot).
 */
function others(a: Snapshot, b: Snapshot): { pct: number; text: string } | null {
  if (!a.ticks || !b.ticks) return null
  const seconds = (b.at - a.at) / 1000
  const busy: { pid: number; name: string; pct: number }[] = []
  for (const [pid, now] of b.ticks) {
    const then = a.ticks.get(pid)
    if (!then || pid === process.pid) continue
    const pct = ((now.ticks - then.ticks) / hz / seconds) * 100
    if (pct >= 0.5) busy.push({ pid, name: now.name, pct })
  }
  busy.sort((x, y) => y.pct - x.pct)
  const pct = busy.reduce((sum, p) => sum + p.pct, 0)
  const top = busy.slice(0, 3).map((p) => `${p.name} ${p.pct.toFixed(0)}% (pid ${p.pid})`)
  return { pct, text: `other processes used ${pct.toFixed(0)}% of a core over ${seconds.toFixed(1)} s${top.length ? `: ${top.join(', ')}` : ''}` }
}

/**
 * Before: the others now use under a tenth of one core and the last minute's load is under half
 * the cores. After: the others used under a tenth of a core on average while we measured (the
 * load average then counts our own work, so it is only shown).
 */
function quiet(a: Snapshot, b: Snapshot, useLoad: boolean): Quiet {
  const cores = availableParallelism()
  const load = loadavg()[0]
  const o = others(a, b)
  const text = `${cores} cores, load ${load.toFixed(2)} (1 min); ${o ? o.text : 'other processes cannot be seen here (no /proc)'}`
  return { ok: (o ? o.pct < 10 : true) && (!useLoad || load < cores / 2), text }
}

function warnIfBusy(q: Quiet, when: string): void {
  out(`machine ${when}  ${q.text}`)
  if (!q.ok) {
    const bar = '!'.repeat(100)
    out(
      [
        bar,
        `!!! NOT QUIET ${when}: timings are slowed by other work, by different amounts for the lab and for PyTorch.`,
        "!!! This run's ratios are indicative only; rerun on an idle machine before quoting them.",
        bar
      ].join('\n')
    )
  }
}

// ---- the parts ------------------------------------------------------------------------------

/** Parse (the IDX files into memory) and normalise (every image to float32, as a tfjs batch gets it). */
async function loadTimes() {
  const t0 = performance.now()
  const ds = await loadDataset('mnist')
  const t1 = performance.now()
  for (const split of [ds.train, ds.test]) gatherBatch(split, range(0, split.count), ds.rows * ds.cols, ds)
  const t2 = performance.now()
  return { parse: (t1 - t0) / 1000, normalise: (t2 - t1) / 1000 }
}

type EpochEvent = EngineEpochEvent

/** Training alone in each epoch, from the batches' clock: their span, plus one batch for the first. */
function trainSecondsPerEpoch(batches: BatchMetric[], epochRows: EpochEvent[]): number[] {
  return epochRows.map(({ metric }) => {
    const mine = batches.filter((b) => b.epoch === metric.epoch)
    if (mine.length < 2) return metric.seconds
    return ((mine[mine.length - 1].elapsed - mine[0].elapsed) * mine.length) / (mine.length - 1)
  })
}

/** The recipe through the lab itself: its worker thread(s), its SQLite logging on the main thread. */
async function benchLab() {
  const lab = new Lab({ dbPath: join(dir, 'bench.db') })
  const batches: BatchMetric[] = []
  const epochRows: EpochEvent[] = []
  let backend: BackendInfo | null = null
  lab.subscribe((e) => {
    if (e.type === 'started') backend = e.backend
    if (e.type === 'batch') batches.push(e.metric)
    // The lab streams an epoch without its mistakes; they are read back below, so logging replays them too.
    if (e.type === 'epoch') epochRows.push({ ...e, misclassified: [] })
  })
  const { runId } = await lab.startRun(hp)
  const outcome = await lab.waitForRun(runId)
  for (const e of epochRows) e.misclassified = lab.misclassified(runId, e.metric.epoch).items
  await lab.close()
  if (outcome.status !== 'completed') throw new Error(`bench run ${outcome.status}: ${outcome.error}`)
  const train = trainSecondsPerEpoch(batches, epochRows)
  epochRows.forEach((e, i) => {
    const m = e.metric
    out(
      `lab   epoch ${m.epoch}: ${s(m.seconds)} (training ${s(train[i])}, evaluation and the rest ${s(m.seconds - train[i])}), test loss ${m.testLoss.toFixed(4)}, test accuracy ${m.testAccuracy.toFixed(4)}`
    )
  })
  return {
    backend: backend as BackendInfo | null,
    batches,
    epochRows,
    trainSeconds: train.reduce((a, b) => a + b, 0),
    epochSeconds: epochRows.reduce((a, e) => a + e.metric.seconds, 0)
  }
}

/** Replays the run's own rows through the same logger into a fresh file: the cost of logging alone. */
function loggingSeconds(batches: BatchMetric[], epochRows: EpochEvent[]): number {
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

interface InsideCost {
  seconds: number
  /** The embedding's projection, on the lab's main thread once the run has trained. */
  projection: number
  points: number
  storedBytes: number
  embeddingBytes: number
  /** One epoch's kept weights (small models keep them at every epoch's end). */
  weightBytes: number
}

/**
 * One more epoch, trained in this process: with the engine's phase clocks on (lab engine only),
 * and recording the inside of the network as the lab does, clocking what that recording costs.
 */
async function profiledEpoch(profiling: boolean): Promise<{ epoch: EpochMetric; backend: BackendInfo; trainSeconds: number; inside: InsideCost } | null> {
  if (profiling) startProfiling()
  let epoch: EpochEvent | null = null
  let backend: BackendInfo | null = null
  const batches: BatchMetric[] = []
  const inside: InsideCost = { seconds: 0, projection: 0, points: 0, storedBytes: 0, embeddingBytes: 0, weightBytes: 0 }
  const control = { state: () => 'run' as const, waitWhilePaused: () => {} }
  const outcome = await trainRun(
    0,
    { ...hp, epochs: 1 },
    (e) => {
      if (e.type === 'started') backend = e.backend
      if (e.type === 'batch') batches.push(e.metric)
      if (e.type === 'epoch') epoch = e
    },
    control,
    {
      inside: (e) => {
        inside.seconds += e.seconds
        if (e.type === 'inside') {
          inside.points++
          inside.storedBytes += JSON.stringify(e.point).length
        } else if (e.type === 'weights') inside.weightBytes = e.data.byteLength
        else {
          const t0 = performance.now()
          const embedding = projectEmbedding(e.raw)
          inside.projection = (performance.now() - t0) / 1000
          inside.embeddingBytes = JSON.stringify(embedding).length
        }
      }
    }
  )
  profile.enabled = false
  const ended = epoch as EpochEvent | null
  if (outcome.status !== 'completed' || !ended || !backend) return null
  return { epoch: ended.metric, backend, trainSeconds: trainSecondsPerEpoch(batches, [ended])[0], inside }
}

/**
 * What looking at the embedding's sample during the last evaluation adds to it: the same
 * evaluation with and without the look, alternated, medians compared (the engine may look for free).
 */
async function lookSeconds(): Promise<number> {
  const r = await prepareRun(hp)
  const stepper = await startStepper(hp, r)
  const look = new InsideRecorder(r, 1, stepper).look(1)!
  const plain: number[] = []
  const looking: number[] = []
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now()
    stepper.evaluate(hp.testBatchSize)
    plain.push(performance.now() - t0)
    t0 = performance.now()
    stepper.evaluate(hp.testBatchSize, look)
    looking.push(performance.now() - t0)
  }
  await stepper.close()
  r.dispose()
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]
  return Math.max(0, median(looking) - median(plain)) / 1000
}

function benchTorch(): { train: number; test: number; accuracy: number } | null {
  const script = resolve('../shared/reference/seed_reference.py')
  if (values['no-torch'] || !existsSync(script)) return null
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' })
  if (probe.status !== 0) {
    out('torch  not installed (apt-get install -y python3-torch): no ratio to PyTorch')
    return null
  }
  const r = spawnSync('/usr/bin/python3', [script, mnistDir(), String(epochs), '2'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`seed_reference.py failed: ${r.stderr}`)
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { epoch: number; train_s: number; test_s: number; test_acc: number; test_loss: number })
  for (const row of rows)
    out(
      `torch epoch ${row.epoch}: ${s(row.train_s + row.test_s)} (training ${s(row.train_s)}, test ${s(row.test_s)}), test loss ${row.test_loss.toFixed(4)}, test accuracy ${row.test_acc.toFixed(4)}`
    )
  return { train: rows.reduce((a, b) => a + b.train_s, 0), test: rows.reduce((a, b) => a + b.test_s, 0), accuracy: rows[rows.length - 1].test_acc }
}

// ---- the report -----------------------------------------------------------------------------

try {
  const start = snapshot()
  await new Promise((r) => setTimeout(r, 1500))
  const started = snapshot()
  const before = quiet(start, started, true)
  warnIfBusy(before, 'before')
  if (!before.ok && values['require-quiet']) {
    out('refusing to measure (--require-quiet)')
    process.exit(2)
  }
  const load = await loadTimes()
  out(`MNIST load           parse ${s(load.parse)} + normalise ${s(load.normalise)} = ${s(load.parse + load.normalise)} (target <= 0.30 s)`)
  const lab = await benchLab()
  const logSeconds = loggingSeconds(lab.batches, lab.epochRows)
  // The inside's cost is clocked on an epoch without the phase clocks, which slow training a little.
  const plain = await profiledEpoch(false)
  const look = await lookSeconds()
  const profiled = values['no-profile'] || lab.backend?.name !== 'digit-lab-wasm' ? null : await profiledEpoch(true)
  const torch = benchTorch()
  const after = quiet(started, snapshot(), false)

  const b = lab.backend
  const acc = lab.epochRows[lab.epochRows.length - 1].metric.testAccuracy
  const examples = lab.batches.length * hp.batchSize
  const lines = [
    '',
    `engine               ${b ? `${b.name} ${b.version}, ${b.threads} thread${b.threads > 1 ? 's' : ''}${b.note ? ` (${b.note})` : ''}` : 'unknown'}`,
    `seconds per epoch    ${s(lab.epochSeconds / epochs)} with the test evaluation, ${s(lab.trainSeconds / epochs)} training only`,
    `examples/s           ${Math.round(examples / lab.trainSeconds)} (training)`,
    `test accuracy        ${acc.toFixed(4)}${torch ? ` (PyTorch ${torch.accuracy.toFixed(4)}: ${acc >= torch.accuracy - 0.01 ? 'within' : 'NOT within'} one point)` : ''}`
  ]
  if (torch) {
    lines.push(
      `lab / PyTorch        ${(lab.trainSeconds / torch.train).toFixed(2)}x training only, ${(lab.epochSeconds / (torch.train + torch.test)).toFixed(2)}x per epoch with evaluation (goal <= 1.5x)` +
        (before.ok && after.ok ? '' : '   <- NOT QUIET: indicative only'),
      `                     (PyTorch ${s(torch.train / epochs)} training + ${s(torch.test / epochs)} test per epoch)`
    )
  } else lines.push('lab / PyTorch        n/a')
  if (plain) {
    const c = plain.inside
    const cost = c.seconds + look
    lines.push(
      '',
      `inside the network   ${s(cost)} recording ${c.points} points and the embedding in one more epoch = ${((100 * cost) / plain.trainSeconds).toFixed(2)}% of its ${s(plain.trainSeconds)} training (goal <= 3%)`,
      `                     (${s(c.seconds)} clocked in the run, ${s(look)} more for the last evaluation to look at the embedding's sample;`,
      `                     then ${s(c.projection)} projecting the embedding by PCA on the lab's main thread, after training)`,
      `                     stored: ${(c.storedBytes / 1024).toFixed(1)} KB for the points (${(c.storedBytes / c.points / 1024).toFixed(1)} KB each), ${(c.embeddingBytes / 1024).toFixed(1)} KB for the embedding (once per run), ${(c.weightBytes / 1024).toFixed(1)} KB of weights an epoch`
    )
  }
  const phases = !!profiled && profile.steps > 0
  lines.push(
    '',
    `where an epoch goes  ${phases ? `(one more epoch, in this process, on the trainer thread; the helper does the other half at the same time)` : ''}`
  )
  if (profiled && phases) {
    const ms = (x: number) => s(x / 1000)
    const e = profiled.epoch.seconds
    const p = profile
    const other = e - (p.staging + p.forward + p.backward + p.exchange + p.update + p.evaluate) / 1000
    lines.push(
      `  staging            ${ms(p.staging)} (the batch's pixels and labels into the engine's memory)`,
      `  forward            ${ms(p.forward)} (and the loss)`,
      `  backward           ${ms(p.backward)}`,
      `  exchange           ${ms(p.exchange)} (waiting for the helper's gradient sums)`,
      `  update             ${ms(p.update)} (adding the halves, the optimizer step)`,
      `  evaluation         ${ms(p.evaluate)} (${hp.limitTest ?? 'all'} test examples, split over the threads)`,
      `  the rest           ${s(other)} (batch order, events, epoch bookkeeping, time taken by other processes)`,
      `  = epoch            ${s(e)} (${profile.steps} steps)`
    )
  } else
    lines.push(
      `  forward/backward/update: n/a (${values['no-profile'] ? '--no-profile' : 'the phase clocks belong to the lab engine'})`,
      `  evaluation and the rest ${s((lab.epochSeconds - lab.trainSeconds) / epochs)} per epoch`
    )
  lines.push(
    `  logging            ${(logSeconds * 1000).toFixed(0)} ms for ${lab.batches.length} batch rows and ${lab.epochRows.length} epoch row${lab.epochRows.length === 1 ? '' : 's'} replayed into SQLite (${((100 * logSeconds) / lab.trainSeconds).toFixed(2)}% of training; on the main thread, beside training)`,
    ''
  )
  out(lines.join('\n'))
  warnIfBusy(after, 'while measuring')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
