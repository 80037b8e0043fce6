// The helper thread of data-parallel training: computes the gradient of the second half of each
// batch and applies the combined gradient the trainer publishes. See data-parallel.ts.
import { parentPort, workerData } from 'node:worker_threads'
import { batchAt, epochOrder, halves } from '../data/batches'
import { COMMAND, SLOT, writeError, type HelperInput } from './data-parallel'
import { applyFlat, gradientInto, prepareRun, writeWeights } from './prepared-run'

const input = workerData as HelperInput
const ctrl = new Int32Array(input.control)
const stats = new Float64Array(input.stats)
const flat = new Float32Array(input.flat)

function waitFor(slot: number, value: number): void {
  while (Atomics.load(ctrl, slot) !== value) Atomics.wait(ctrl, slot, Atomics.load(ctrl, slot), 1000)
}

try {
  const hp = input.hyperparams
  const prepared = await prepareRun(hp)
  writeWeights(prepared, flat)
  parentPort!.postMessage({ ready: true })
  const helperGradient = new Float32Array(prepared.size)
  let order: Uint32Array | null = null
  let orderEpoch = 0
  for (let seq = 1; ; seq++) {
    waitFor(SLOT.go, seq)
    if (ctrl[SLOT.command] === COMMAND.exit) break
    const epoch = ctrl[SLOT.epoch]
    const step = ctrl[SLOT.step]
    if (epoch !== orderEpoch) {
      order = epochOrder(prepared.train.count, hp.seed, epoch)
      orderEpoch = epoch
    }
    const [, helperBatch] = halves(batchAt(order!, step, hp.batchSize))
    if (helperBatch.length) {
      const { loss, correct } = gradientInto(prepared, helperBatch, helperGradient, helperBatch.length)
      stats[0] = loss * helperBatch.length
      stats[1] = correct
      flat.set(helperGradient)
    } else {
      stats[0] = 0
      stats[1] = 0
      flat.fill(0)
    }
    Atomics.store(ctrl, SLOT.done, seq)
    Atomics.notify(ctrl, SLOT.done)
    waitFor(SLOT.published, seq)
    applyFlat(prepared, flat)
  }
  prepared.dispose()
} catch (err) {
  writeError(input.error, (err as Error).message)
  Atomics.store(ctrl, SLOT.failed, 1)
  Atomics.notify(ctrl, SLOT.done)
  parentPort!.postMessage({ error: (err as Error).message })
}
