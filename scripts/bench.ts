// npm run bench: the models the course teaches (its CNN, an MLP 100 and an MLP 512,512) on the
// full MNIST beside PyTorch's references, in the same command. First it checks that PyTorch runs on
// OpenBLAS (the generic BLAS makes its dense layers crawl, which would flatter the lab) with one
// BLAS thread under each torch thread. Prints, per model, epoch times with the test evaluation,
// the ratio, the accuracies and the lab's achieved GFLOP/s against the machine's SIMD-128 peak;
// then, for the first model, where an epoch goes, and how long the dataset takes to load.
// Never pass/fail: these machines are shared, and a busy one makes every number noise, so the
// bench looks at the machine first and says loudly when it is not quiet (--require-quiet refuses).
// Even a quiet one drifts: its speed moved by a third from minute to minute, for the lab and
// PyTorch alike. So each model runs --rounds times (3), the lab and PyTorch one after the other
// (the lab first, then PyTorch first, and so on), and the table takes the round whose ratio is
// the median: a ratio from two runs side by side in time, not from two phases of the machine.
// Every round's times are printed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import {
  gatherBatch,
  InsideRecorder,
  loadDataset,
  mnistDir,
  modelFlops,
  planFromModel,
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
import { BENCH_MODELS as MODELS } from './bench-models'
import { CoreProbe, describeSharing, SHARED_BELOW, sharedCores } from './core-sharing'
import type { Hyperparams } from '../src/shared/hyperparams'
import type { BackendInfo, BatchMetric, EpochMetric } from '../src/shared/run-types'

// Measure what the desktop app runs: Electron's V8 validates relaxed SIMD by default, Node 20 only
// behind this flag (Node 22 has it on). V8's flags are per process, so the lab's worker threads
// see it too. DIGIT_LAB_WASM=simd128 measures the plain build instead.
setFlagsFromString('--experimental-wasm-relaxed-simd')

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '1' },
    'limit-train': { type: 'string' },
    models: { type: 'string', default: Object.keys(MODELS).join(',') },
    'no-torch': { type: 'boolean' },
    'no-profile': { type: 'boolean' },
    'require-quiet': { type: 'boolean' },
    rounds: { type: 'string', default: '3' }
  }
})
const rounds = Number(values.rounds)
// Odd, so the median is one round's ratio, not the better-looking of the two middle ones.
if (!Number.isInteger(rounds) || rounds < 1 || rounds % 2 === 0) throw new Error(`--rounds: an odd whole number (1, 3, 5...), not "${values.rounds}"`)
const epochs = Number(values.epochs)
const modelNames = values.models.split(',').map((m) => m.trim())
for (const m of modelNames) if (!Object.hasOwn(MODELS, m)) throw new Error(`--models: unknown model "${m}" (known: ${Object.keys(MODELS).join(', ')})`)
const limitTrain = values['limit-train'] ? Number(values['limit-train']) : null
const hpFor = (model: string): Hyperparams => parseHyperparams({ ...MODELS[model].input, epochs, limitTrain })
/** The first model's: the one whose epoch is taken apart below the table. */
const hp = hpFor(modelNames[0])
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
async function benchLab(hp: Hyperparams, label: string) {
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
      `lab   ${label} epoch ${m.epoch}: ${s(m.seconds)} (training ${s(train[i])}, evaluation and the rest ${s(m.seconds - train[i])}), test loss ${m.testLoss.toFixed(4)}, test accuracy ${m.testAccuracy.toFixed(4)}`
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

interface TorchBlas {
  ok: boolean
  text: string
}

/**
 * Which BLAS PyTorch really loads: Debian's torch says BLAS_INFO=generic in its build config
 * whatever is installed, and picks the system libblas at run time, so the libraries mapped into
 * the process after a matrix product are what counts.
 */
function torchBlas(): TorchBlas | null {
  if (values['no-torch']) return null
  const probe = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      [
        'import json, torch',
        'torch.ones(64, 64) @ torch.ones(64, 64)',
        "libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()})",
        'print(json.dumps({"version": torch.__version__, "libs": libs}))'
      ].join('\n')
    ],
    { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } }
  )
  if (probe.status !== 0) {
    out('torch                not installed (apt-get install -y python3-torch libopenblas0-pthread): no ratio to PyTorch')
    return null
  }
  const { version, libs } = JSON.parse(probe.stdout.trim()) as { version: string; libs: string[] }
  const openblas = libs.find((l) => /openblas/i.test(l))
  if (openblas) return { ok: true, text: `PyTorch ${version} on OpenBLAS (${openblas}), OPENBLAS_NUM_THREADS=1: one BLAS thread under each of its 2 threads` }
  return {
    ok: false,
    text: `PyTorch ${version} on a generic BLAS (${libs.join(', ') || 'none found'}): its dense layers crawl, so ratios flatter the lab. Install OpenBLAS: apt-get install -y libopenblas0-pthread`
  }
}

interface TorchEpochs {
  train: number
  test: number
  accuracy: number
}

function benchTorch(model: string): TorchEpochs | null {
  const { script, args, label } = MODELS[model]
  const path = resolve('../shared/reference', script)
  if (!existsSync(path)) {
    out(`torch  ${label}: ${path} not found`)
    return null
  }
  // The scripts set OPENBLAS_NUM_THREADS=1 themselves unless the environment says otherwise: pin it here.
  const r = spawnSync('/usr/bin/python3', [path, mnistDir(), ...args, String(epochs), '2'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }
  })
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`)
  const rows = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { epoch: number; train_s: number; test_s: number; test_acc: number; test_loss?: number })
  for (const row of rows)
    out(
      `torch ${label} epoch ${row.epoch}: ${s(row.train_s + row.test_s)} (training ${s(row.train_s)}, test ${s(row.test_s)})${row.test_loss === undefined ? '' : `, test loss ${row.test_loss.toFixed(4)}`}, test accuracy ${row.test_acc.toFixed(4)}`
    )
  return { train: rows.reduce((a, b) => a + b.train_s, 0), test: rows.reduce((a, b) => a + b.test_s, 0), accuracy: rows[rows.length - 1].test_acc }
}

/**
 * This machine's SIMD-128 peak: per core and cycle, two 4-lane multiply-adds (fused or not: two
 * vector pipes), 16 flops; at the clock the kernel reports.
 */
function simdPeak(): { gflops: number; text: string } {
  const cores = availableParallelism()
  // os.cpus() reports speed 0 on some VMs; /proc/cpuinfo still has the clock.
  const fromProc = existsSync('/proc/cpuinfo') ? Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]) : 0
  const mhz = cpus()[0]?.speed || fromProc || 0
  const gflops = (cores * mhz * 16) / 1000
  return { gflops, text: `${cores} cores x ${(mhz / 1000).toFixed(2)} GHz x 16 flops (two 4-lane multiply-adds a cycle)` }
}

/** The lab's arithmetic per epoch: its training examples and the whole test split. */
async function flopsPerEpoch(hp: Hyperparams, trainExamples: number): Promise<number> {
  const r = await prepareRun(hp)
  try {
    const planned = planFromModel(r.logits, r.shape)
    if (!('plan' in planned)) return NaN
    const f = modelFlops(planned.plan)
    return trainExamples * f.train + r.test.count * f.evaluate
  } finally {
    r.dispose()
  }
}

// ---- the report -----------------------------------------------------------------------------

/** What `uptime` prints: the quoted numbers go with it. */
const uptime = () =>
  spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim() ||
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`
const uptimeAtStart = uptime()
let probe: CoreProbe | null = null

try {
  out(`uptime               ${uptimeAtStart}`)
  const start = snapshot()
  await new Promise((r) => setTimeout(r, 1500))
  const started = snapshot()
  const before = quiet(start, started, true)
  warnIfBusy(before, 'before')
  probe = await CoreProbe.start()
  const coresBefore = probe ? await probe.measure() : null
  const sharedBefore = coresBefore !== null && sharedCores(coresBefore)
  if (coresBefore !== null) out(`cores before         ${describeSharing(coresBefore)}`)
  if (sharedBefore) out("!!! SHARED CORES before: the lab's two threads lose more on one shared core than PyTorch's do.")
  if ((!before.ok || sharedBefore) && values['require-quiet']) {
    out('refusing to measure (--require-quiet)')
    process.exit(2)
  }
  const load = await loadTimes()
  out(`MNIST load           parse ${s(load.parse)} + normalise ${s(load.normalise)} = ${s(load.parse + load.normalise)} (target <= 0.30 s)`)
  const blas = torchBlas()
  if (blas) out(`torch                ${blas.text}`)
  // Ratios need whole epochs: PyTorch's references always train on all 60,000 digits.
  const compare = blas && !limitTrain
  if (blas && limitTrain) out('torch                not run: --limit-train trains the lab on a subset, the references on all of MNIST')
  const results = []
  const roundLines: string[] = []
  const sharedRounds: string[] = []
  let roundsProbed = 0
  for (const model of modelNames) {
    const label = MODELS[model].label
    const tries = []
    for (let round = 0; round < rounds; round++) {
      // The machine can change from minute to minute: each round says which kind it ran on.
      const cores = probe ? await probe.measure() : null
      // Every other round PyTorch goes first: neither side always runs on the machine the other left.
      const torchFirst = compare && round % 2 === 1
      const first = torchFirst ? benchTorch(model) : null
      const run = await benchLab(hpFor(model), label)
      const torch = torchFirst ? first : compare ? benchTorch(model) : null
      tries.push({ run, torch, cores, ratio: torch ? run.epochSeconds / (torch.train + torch.test) : run.epochSeconds })
      if (cores !== null && sharedCores(cores)) sharedRounds.push(`${label} ${round + 1}`)
      roundsProbed += cores === null ? 0 : 1
    }
    const middle = [...tries].sort((a, b) => a.ratio - b.ratio)[(rounds - 1) / 2]
    roundLines.push(
      `  ${label.padEnd(18)}${tries
        .map(
          (t, i) =>
            `${i + 1}: ${s(t.run.epochSeconds / epochs)}${t.torch ? ` / ${s((t.torch.train + t.torch.test) / epochs)} = ${t.ratio.toFixed(2)}x` : ''}${t.cores === null ? '' : ` (loop ${t.cores.aloneMs.toFixed(0)} ms${sharedCores(t.cores) ? ', shared cores' : ''})`}${t === middle && rounds > 1 ? ' (in the table)' : ''}`
        )
        .join(';  ')}`
    )
    const { run, torch } = middle
    const examples = run.batches.length * hpFor(model).batchSize
    const flops = await flopsPerEpoch(hpFor(model), examples / epochs)
    results.push({ model, label, run, torch, examples, flops })
  }
  const lab = results[0].run
  const logSeconds = loggingSeconds(lab.batches, lab.epochRows)
  // The inside's cost is clocked on an epoch without the phase clocks, which slow training a little.
  const plain = await profiledEpoch(false)
  const look = await lookSeconds()
  const profiled = values['no-profile'] || lab.backend?.name !== 'digit-lab-wasm' ? null : await profiledEpoch(true)
  const after = quiet(started, snapshot(), false)
  const noisy = before.ok && after.ok ? '' : '   <- NOT QUIET: indicative only'

  const peak = simdPeak()
  const pad = (text: string, n: number) => text.padEnd(n)
  const lines = [
    '',
    `uptime               ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (load averages over 1, 5, 15 min, at the end)`
  ]
  for (const { label, run } of results) {
    const b = run.backend
    lines.push(
      `engine (${label})`.padEnd(20) +
        ` ${b ? `${b.name} ${b.version}, ${b.threads} thread${b.threads > 1 ? 's' : ''}${b.note ? ` (${b.note})` : ''}` : 'unknown'}`
    )
  }
  lines.push(
    '',
    `per epoch, with the test evaluation${compare ? ', against PyTorch' : ''}:`,
    `  ${pad('model', 18)}${pad('lab', 10)}${pad('PyTorch', 10)}${pad('lab/PyTorch', 14)}${pad('goal', 10)}${pad('accuracy lab / PyTorch', 38)}${pad('lab training only', 19)}lab GFLOP/s (of ${peak.gflops.toFixed(0)} peak)`
  )
  for (const { label, model, run, torch, flops } of results) {
    const acc = run.epochRows[run.epochRows.length - 1].metric.testAccuracy
    const epoch = run.epochSeconds / epochs
    const torchEpoch = torch ? (torch.train + torch.test) / epochs : NaN
    const ratio = torch ? run.epochSeconds / (torch.train + torch.test) : NaN
    const gflops = flops / epoch / 1e9
    const within = torch ? (acc >= torch.accuracy - 0.01 ? ' (within a point)' : ' (NOT within a point)') : ''
    lines.push(
      `  ${pad(label, 18)}${pad(s(epoch), 10)}${pad(torch ? s(torchEpoch) : 'n/a', 10)}${pad(torch ? `${ratio.toFixed(2)}x` : 'n/a', 14)}${pad(`<= ${MODELS[model].goal.toFixed(2)}x`, 10)}${pad(`${acc.toFixed(4)} / ${torch ? torch.accuracy.toFixed(4) : 'n/a'}${within}`, 38)}${pad(s(run.trainSeconds / epochs), 19)}${gflops.toFixed(1)} (${((100 * gflops) / peak.gflops).toFixed(0)}%)`
    )
  }
  lines.push(
    `  SIMD-128 peak: ${peak.text}; the lab's flops: 2 per multiply-add of its conv and dense layers as direct sums (its sparse gradients and Winograd's form do fewer), forward, weight and input gradients, and the test split's forward passes${noisy}`
  )
  if (!compare) lines.push(`  lab / PyTorch n/a${values['no-torch'] ? ' (--no-torch)' : ''}`)
  if (rounds > 1)
    lines.push(
      '',
      `each round, lab${compare ? ' / PyTorch, run one after the other (the lab first in rounds 1, 3, ...)' : ''} (the table shows the round with the median ${compare ? 'ratio' : 'time'}):`,
      ...roundLines
    )
  if (roundsProbed > 0)
    lines.push(
      `  before each round, the loop's time alone (the core's own speed); cores shared in ${sharedRounds.length} of ${roundsProbed} rounds${sharedRounds.length ? ` (${sharedRounds.join(', ')})` : ''} (two busy threads at once each under ${SHARED_BELOW}x the speed of one alone)`
    )
  if (blas && !blas.ok) lines.push(`  !!! ${blas.text}`)
  lines.push('', `the first model below: ${results[0].label}`)
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
  await probe?.close()
  rmSync(dir, { recursive: true, force: true })
}
