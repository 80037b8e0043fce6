// The helper thread of the fast engine: its own engine instance, the second half of every batch,
// half of every evaluation. See parallel.ts. It loads no tfjs and no dataset: both come from the
// trainer (the compiled module in workerData, the data in shared memory).
import { parentPort, workerData } from 'node:worker_threads'
import { batchAt, epochOrder, halves } from '../data/batches'
import { FastNet } from './net'
import { COMMAND, gradSlot, HELPER, openSplit, SLOT, TRAINER, waitFor, writeError, type FastHelperInput } from './parallel'
import { stepSeed } from './seed'

const input = workerData as FastHelperInput
const ctrl = new Int32Array(input.control)
const stats = new Float64Array(input.stats)
const grads = new Float32Array(input.grads)
const params = new Float32Array(input.params)
const out = new Float32Array(input.out)

try {
  const hp = input.hyperparams
  const train = openSplit(input.train)
  const test = openSplit(input.test)
  const net = new FastNet(input.module, input.plan, input.options)
  net.setParams(params)
  const size = net.size
  parentPort!.postMessage({ ready: true })
  let order: Uint32Array | null = null
  let orderEpoch = 0
  for (let seq = 1; ; seq++) {
    waitFor(ctrl, SLOT.go, seq)
    const command = ctrl[SLOT.command]
    if (command === COMMAND.exit) break
    if (command === COMMAND.step) {
      const epoch = ctrl[SLOT.epoch]
      const step = ctrl[SLOT.step]
      if (epoch !== orderEpoch) {
        order = epochOrder(train.count, hp.seed, epoch)
        orderEpoch = epoch
      }
      const batch = batchAt(order!, step, hp.batchSize)
      const [trainerBatch, helperBatch] = halves(batch)
      net.zeroGrads()
      const t = net.accumulate(train, helperBatch, stepSeed(hp.seed, epoch, step), trainerBatch.length)
      stats[0] = t.lossSum
      stats[1] = t.correct
      gradSlot(grads, size, seq, HELPER).set(net.grads())
      Atomics.store(ctrl, SLOT.helperPosted, seq)
      Atomics.notify(ctrl, SLOT.helperPosted)
      waitFor(ctrl, SLOT.trainerPosted, seq)
      net.update(batch.length, gradSlot(grads, size, seq, TRAINER))
    } else {
      if (command === COMMAND.evaluate) {
        const t = net.evaluate(test, ctrl[SLOT.start], ctrl[SLOT.count], out)
        stats[0] = t.lossSum
        stats[1] = t.correct
      } else if (command === COMMAND.params) {
        params.set(net.params())
      }
      Atomics.store(ctrl, SLOT.done, seq)
      Atomics.notify(ctrl, SLOT.done)
    }
  }
} catch (err) {
  writeError(input.error, (err as Error).message)
  Atomics.store(ctrl, SLOT.failed, 1)
  for (const slot of [SLOT.helperPosted, SLOT.done]) Atomics.notify(ctrl, slot)
  parentPort!.postMessage({ error: (err as Error).message })
}
