// npm run bench:engine: is an engine change faster? Two engine instances in one process, one
// thread, trained step by step in turn on the same batches of MNIST from the same weights: this
// source's build against another build (--against FILE.wasm, e.g. from
// `git show REF:src/main/lab/fastnet/fastnet-relaxed.wasm`) or against itself with Winograd's form
// off (--no-winograd). Prints each one's time per example, the ratio and both loss sums (equal
// when the change keeps every sum's order). Both run on this source's program.ts, so the other
// build must read the same layer records: a build from before a record field changed meaning
// would compute something else.
//
// Why not two bench runs: this machine's speed drifts by a third from minute to minute, so two
// runs a minute apart compare two phases of the machine as often as two engines. Alternating
// every few steps puts both under the same drift; the order flips each round.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import {
  batchAt,
  compileFastnet,
  epochOrder,
  FastNet,
  fastnetBuild,
  fastnetModule,
  planFromModel,
  prepareRun,
  readModelWeights,
  type WasmModule
} from '../src/main/lab/bench-entry'
import { parseHyperparams } from '../src/shared/fields'
import { BENCH_MODELS } from './bench-models'

// As in bench.ts: measure the build Electron runs (Node 20 validates relaxed SIMD only with this).
setFlagsFromString('--experimental-wasm-relaxed-simd')

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    'no-winograd': { type: 'boolean' },
    model: { type: 'string', default: 'cnn' },
    rounds: { type: 'string', default: '10' },
    steps: { type: 'string', default: '30' }
  }
})
if (!values.against === !values['no-winograd']) throw new Error('say what to compare with: --against FILE.wasm or --no-winograd (one of them)')
if (!Object.hasOwn(BENCH_MODELS, values.model)) throw new Error(`--model: one of ${Object.keys(BENCH_MODELS).join(', ')} (got "${values.model}")`)
const rounds = Number(values.rounds)
const steps = Number(values.steps)
if (!(rounds >= 2 && steps >= 1)) throw new Error('--rounds needs at least 2 (the first warms up) and --steps at least 1')

/** The other build, read and compiled before anything else starts, so a bad path fails alone and at once. */
function compileAgainst(file: string): WasmModule {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (err) {
    throw new Error(`--against: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  try {
    return compileFastnet(bytes)
  } catch (err) {
    throw new Error(`--against: ${file} is not a WebAssembly module this runtime compiles (${(err as Error).message})`)
  }
}
const againstModule = values.against ? compileAgainst(values.against) : null

// 6,000 training images: 60 batches of 100; each step trains half a batch, as one of two threads does.
const hp = parseHyperparams({ ...BENCH_MODELS[values.model].input, limitTrain: 6000 })
const run = await prepareRun(hp)
const planned = planFromModel(run.logits, run.shape)
if (!('plan' in planned)) throw new Error(`the lab's engine does not cover this model: ${planned.unsupported}`)
const build = fastnetBuild()
const mine = fastnetModule(build)
const other = againstModule ?? mine
const engine = (module: WasmModule, winograd: boolean) => {
  const net = new FastNet(module, planned.plan, {
    optimizer: hp.optimizer,
    learningRate: hp.learningRate,
    maxExamples: hp.batchSize,
    norm: { mean: run.dataset.mean, std: run.dataset.std },
    winograd
  })
  net.setWeights(readModelWeights(run.logits, planned.plan))
  return net
}
const nets = [engine(other, !values['no-winograd']), engine(mine, true)]
const names = [values.against ? `--against ${values.against}` : 'this source, Winograd off', `this source (${build})`]
const order = epochOrder(run.train.count, hp.seed, 1)
const batches = Math.floor(run.train.count / hp.batchSize)
const half = Math.floor(hp.batchSize / 2)
const ms = [0, 0]
const losses = [0, 0]
for (let round = 0; round < rounds; round++) {
  for (const k of round % 2 ? [1, 0] : [0, 1]) {
    const t0 = performance.now()
    for (let i = 0; i < steps; i++) {
      const batch = batchAt(order, (round * steps + i) % batches, hp.batchSize).subarray(0, half)
      nets[k].zeroGrads()
      const t = nets[k].accumulate(run.train, batch, hp.seed, 0)
      nets[k].update(half)
      if (round > 0) losses[k] += t.lossSum
    }
    if (round > 0) ms[k] += performance.now() - t0
  }
}
run.dispose()
const examples = (rounds - 1) * steps * half
for (const k of [0, 1]) process.stdout.write(`${names[k].padEnd(40)} ${((ms[k] * 1000) / examples).toFixed(1)} us per example, loss sum ${losses[k]}\n`)
process.stdout.write(
  `ratio ${(ms[1] / ms[0]).toFixed(3)} (this source / the other), ${values.model}, ${examples} examples each after a round of warm-up, one thread${losses[0] === losses[1] ? '; the same loss sums, bit for bit' : ''}\n`
)
