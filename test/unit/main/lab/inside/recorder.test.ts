// What the inside recorder stores, against direct computation on the same weights, for both
// engines (tfjs, and the lab's own WebAssembly engine on two threads): the step's weights and
// gradient, the histograms and norms made of them, the activation statistics on the probe
// batch, and the embedding of the test sample.
import * as tf from '@tensorflow/tfjs'
import { availableParallelism } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import { batchAt, epochOrder, gatherBatch, range } from '../../../../../src/main/lab/data/batches'
import { prepareRun, type PreparedRun } from '../../../../../src/main/lab/engine/prepared-run'
import { startStepper } from '../../../../../src/main/lab/training/start-stepper'
import { trainRun } from '../../../../../src/main/lab/training/train-loop'
import type { TrainStepper } from '../../../../../src/main/lab/engine/train-stepper'
import { projectEmbedding } from '../../../../../src/main/lab/inside/embedding'
import { InsideRecorder } from '../../../../../src/main/lab/inside/recorder'
import { activationStats, histogram, norm, pca2 } from '../../../../../src/main/lab/inside/stats'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { decodeBytes, embeddingProbs, PROBE_SIZE } from '../../../../../src/shared/inside'

// No dropout: the recorded step and the direct gradient must see the same network. A 'same'
// convolution: the lab engine pads first, so its layers are not tfjs's one for one.
const hp = parseHyperparams({
  architecture: {
    preset: 'custom',
    layers: [
      // Widths that are not multiples of 4: the lab engine pads its rows to 4 floats, which
      // the layer outputs it hands over must not carry.
      { type: 'conv2d', filters: 6, kernelSize: 5, stride: 1, padding: 'same' },
      { type: 'maxPool', poolSize: 2 },
      { type: 'activation', activation: 'relu' },
      { type: 'dense', units: 13 },
      { type: 'activation', activation: 'sigmoid' }
    ]
  },
  optimizer: 'sgd',
  learningRate: 0.1,
  batchSize: 32,
  limitTrain: 640,
  limitTest: 400,
  epochs: 1
})

/** tfjs's own mean-loss gradient over `indices`, per trainable tensor. */
function directGradient(r: PreparedRun, indices: Uint32Array): Float32Array[] {
  const { x, y } = gatherBatch(r.train, indices, r.shape.rows * r.shape.cols, r.dataset)
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [indices.length, r.shape.rows, r.shape.cols, 1])
    const labels = tf.oneHot(tf.tensor1d(y, 'int32'), r.shape.numClasses)
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, r.logits.apply(xs) as tf.Tensor) as tf.Scalar, r.variables)
    return r.variables.map((v) => grads[v.name].dataSync() as Float32Array)
  })
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  let worst = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  expect(a.length).toBe(b.length)
  expect(worst).toBeLessThanOrEqual(tol * Math.max(scale, 1e-6))
}

describe.each([
  ['tfjs', true],
  ['the lab engine', false]
])('inside the network, trained on %s', (_name, onTfjs) => {
  let r: PreparedRun
  let stepper: TrainStepper
  afterAll(async () => {
    await stepper?.close()
    r?.dispose()
  })

  it('records the step it took, and statistics equal to a direct computation on the same weights', async () => {
    r = await prepareRun(hp)
    stepper = await startStepper(hp, r, onTfjs ? async () => ({ partner: null, note: '' }) : undefined)
    expect(stepper.backend.name.startsWith('digit-lab')).toBe(!onTfjs)
    // The lab engine splits each step with its helper thread wherever there are two cores (as in CI).
    if (!onTfjs) expect(stepper.backend.threads).toBe(Math.min(2, availableParallelism()))
    // Given the stepper, the lab engine computes the probe's activations itself (tfjs: its model).
    const recorder = new InsideRecorder(r, 20, stepper)
    expect(!!stepper.layerOutputs).toBe(!onTfjs)
    expect([...range(0, 20)].filter((s) => recorder.wants(1, s)).map((s) => s + 1)).toEqual([1, 10, 20])
    expect([...range(0, 20)].filter((s) => recorder.wants(2, s)).map((s) => s + 1)).toEqual([20])

    // The epoch's real first batch: a helper thread takes its half of the step from the epoch's order.
    const order = epochOrder(r.train.count, hp.seed, 1)
    const batch = batchAt(order, 0, 32)
    const expected = directGradient(r, batch)
    const { inside: seen } = await stepper.step(batch, 1, 0, true)
    if (!seen) throw new Error('no inside record from an inspected step')
    // The gradient is tfjs's (the lab engine's agrees to float rounding); SGD moved by lr x it.
    seen.gradient.forEach((g, i) => close(g, expected[i], onTfjs ? 1e-6 : 1e-4))
    seen.after.forEach((w, i) =>
      close(
        w,
        seen.before[i].map((b, j) => b - 0.1 * seen.gradient[i][j]),
        1e-5
      )
    )

    stepper.syncModel()
    const point = recorder.point(1, 10, false, seen)!
    const weightLayers = r.logits.layers.filter((l) => l.trainableWeights.length)
    expect(point.layers.map((l) => l.label)).toEqual(['conv 1 (6 filters 5x5)', 'dense 1 (13 units)', 'dense 2 (10 units)'])
    point.layers.forEach((l, i) => {
      const kernel = weightLayers[i].getWeights()[0].dataSync()
      const before = seen.before[2 * i]
      expect(l.weights).toEqual(histogram(kernel))
      expect(l.gradients).toEqual(histogram(seen.gradient[2 * i]))
      expect(l.weightNorm).toBeCloseTo(norm(kernel), 4)
      // SGD: the update is lr x the gradient, so the ratio is lr |g| / |w|.
      expect(l.updateRatio).toBeCloseTo((0.1 * norm(seen.gradient[2 * i])) / norm(before), 5)
    })

    // Activations on the probe batch, by applying the layers one by one and counting directly.
    const n = Math.min(PROBE_SIZE, r.test.count)
    const { x } = gatherBatch(r.test, range(0, n), 784, r.dataset)
    let t: tf.Tensor = tf.tensor4d(x, [n, 28, 28, 1])
    const direct: { fn: string; values: Float32Array; units: number }[] = []
    for (const layer of r.logits.layers) {
      const next = layer.apply(t) as tf.Tensor
      t.dispose()
      t = next
      const fn = (layer.getConfig() as { activation?: string }).activation
      if (layer.getClassName() === 'Activation') direct.push({ fn: fn!, values: t.dataSync() as Float32Array, units: t.shape.at(-1)! })
    }
    t.dispose()
    // The probe's activations are measured at epoch ends.
    expect(point.activations).toEqual([])
    const end = recorder.point(1, 20, true, seen)!
    expect(end.activations.map((a) => a.label)).toEqual(['relu after conv 1 (6 filters 5x5)', 'sigmoid after dense 1 (13 units)'])
    end.activations.forEach((a, i) => {
      const d = direct[i]
      const never =
        Array.from({ length: d.units }, (_, u) => d.values.filter((_, k) => k % d.units === u).every((v) => v <= 0)).filter(Boolean).length / d.units
      const saturated = d.values.filter((v) => v < 0.01 || v > 0.99).length / d.values.length
      expect(a.units).toBe(d.units)
      if (a.fn === 'relu') expect(a.neverActive).toBe(never)
      else expect(a.saturated).toBeCloseTo(saturated, 5)
      expect(a.mean).toBeCloseTo(activationStats(d.values, d.units, d.fn).mean, 5)
    })
    expect(point.filters).toBeNull() // only step 1 and epoch ends keep filters
    expect(recorder.point(1, 1, false, seen)!.filters).toEqual(end.filters)
    expect(end.filters).toMatchObject({ count: 6, height: 5, width: 5 })
    expect(decodeBytes(end.filters!.images)).toHaveLength(6 * 25)
    // A step that overflowed is not recorded: its numbers would not survive JSON.
    const overflowed = { ...seen, gradient: seen.gradient.map((g, i) => (i === 0 ? g.map(() => Infinity) : g)) }
    expect(recorder.point(1, 1, true, overflowed)).toBeNull()
    expect((await stepper.step(batchAt(order, 1, 32), 1, 1)).inside).toBeUndefined() // only inspected steps pay
    recorder.dispose()
  })

  it('embeds the test sample: the penultimate layer of the same model, projected by PCA', () => {
    stepper.syncModel() // the lab engine's weights into the tfjs model the direct computation uses
    const recorder = new InsideRecorder(r, 20)
    const e = projectEmbedding(recorder.embedding(1))
    recorder.dispose()
    const n = r.test.count // 400 here, fewer than EMBEDDING_SIZE
    const { x } = gatherBatch(r.test, range(0, n), 784, r.dataset)
    const [features, probs] = tf.tidy(() => {
      let t: tf.Tensor = tf.tensor4d(x, [n, 28, 28, 1])
      for (const layer of r.logits.layers.slice(0, -1)) t = layer.apply(t) as tf.Tensor
      return [t.dataSync() as Float32Array, tf.softmax(r.logits.predict(tf.tensor4d(x, [n, 28, 28, 1])) as tf.Tensor).arraySync() as number[][]]
    })
    expect(e).toMatchObject({ units: 13, classes: 10, indices: [...range(0, n)] })
    expect(e.labels).toEqual(Array.from(r.test.labels.subarray(0, n)))
    expect(e.predicted).toEqual(probs.map((p) => p.indexOf(Math.max(...p))))
    const projected = pca2(features, n, 13)
    close(e.x, projected.x, 1e-3)
    close(e.y, projected.y, 1e-3)
    embeddingProbs(e, 3).forEach((p, k) => expect(p).toBeCloseTo(probs[3][k], 4))

    // The lab engine takes the embedding's layer along while it evaluates: the same features, the
    // same evaluation as without looking.
    const look = { count: 150, layers: [r.logits.layers.length - 2] }
    const plain = stepper.evaluate(64)
    const looking = stepper.evaluate(64, look)
    expect(looking.accuracy).toBe(plain.accuracy)
    expect(looking.loss).toBeCloseTo(plain.loss, 6)
    if (onTfjs) return expect(looking.looked).toBeUndefined()
    close(looking.looked!.outputs[0], features.subarray(0, 150 * 13), 1e-5)
    close(looking.looked!.probs, probs.slice(0, 150).flat(), 1e-5)
    const again = new InsideRecorder(r, 20, stepper)
    expect(projectEmbedding(again.embedding(1, looking.looked))).toEqual(e) // 150 looked at, 400 wanted: not used
    again.dispose()
  })

  it('looks at layer outputs a call of examples at a time, each example exactly as it is looked at alone', () => {
    if (onTfjs) return expect(stepper.layerOutputs).toBeUndefined()
    // More examples than one call takes (100 here), out of order: the chunks split them unevenly.
    const indices = Uint32Array.from(range(0, 130), (i) => (i * 37) % r.test.count)
    // The ReLU below the split (one example at a time) and the dense layer above it (the batch).
    const layers = [r.logits.layers.findIndex((l) => l.getClassName() === 'Activation'), r.logits.layers.length - 2]
    const together = stepper.layerOutputs!(r.test, indices, layers)
    indices.forEach((index, e) => {
      const alone = stepper.layerOutputs!(r.test, [index], layers)
      alone.forEach((a, k) =>
        expect(Array.from(together[k].subarray(e * a.length, (e + 1) * a.length)), `example ${e}, layer ${layers[k]}`).toEqual(Array.from(a))
      )
    })
  })
})

describe('recording is best effort', () => {
  it('a run whose inside records cannot be taken trains on to the end, weights and all, and records no more', async () => {
    let calls = 0
    const events: string[] = []
    const outcome = await trainRun(
      1,
      parseHyperparams({ epochs: 2, limitTrain: 640, limitTest: 200, batchSize: 32 }),
      (e) => events.push(e.type),
      { state: () => 'run', waitWhilePaused: () => {} },
      {
        inside: () => {
          calls++
          throw new Error('the store is gone')
        }
      }
    )
    expect(outcome.status).toBe('completed')
    expect(outcome.weights).not.toBeNull()
    expect(events.filter((t) => t === 'epoch')).toHaveLength(2)
    expect(calls).toBe(1) // step 10 failed to record: the epoch ends, later points and the embedding were not tried
  })
})
