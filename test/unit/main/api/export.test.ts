// Export round trip: a trained run's model.json + weights.bin, served over real HTTP and read
// back with tf.loadLayersModel, predicts what the lab predicts. Maxout (a custom layer) included.
import * as tf from '@tensorflow/tfjs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatch } from '../../../../src/main/api/dispatch'
import { createLabHandlers } from '../../../../src/main/api/handlers'
import { Lab } from '../../../../src/main/lab/lab'
import '../../../../src/main/lab/model/maxout'
import type { ExportedModel } from '../../../../src/shared/contract'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'export.db') })
const dispatch = createDispatch(createLabHandlers(lab))
let runId = 0
let server: Server

beforeAll(async () => {
  const started = await dispatch('startRun', {
    architecture: {
      preset: 'custom',
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 5 },
        { type: 'maxPool', poolSize: 2 },
        { type: 'activation', activation: 'maxout' },
        { type: 'dense', units: 16 },
        { type: 'activation' }
      ]
    },
    optimizer: 'adam',
    learningRate: 0.005,
    epochs: 1,
    limitTrain: 1000,
    limitTest: 200
  })
  if (!started.ok) throw new Error(started.error)
  runId = (started.value as { runId: number }).runId
  expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
})
afterAll(async () => {
  server?.close()
  await lab.close()
})

describe('exports and predictions', () => {
  it('exports a model that tf.loadLayersModel reads back over HTTP, with the same predictions', async () => {
    const reply = await dispatch('exportModel', { runId })
    expect(reply.ok).toBe(true)
    const files = (reply as { value: ExportedModel }).value
    const manifest = JSON.parse(files.modelJson)
    expect(manifest.format).toBe('layers-model')
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin'])
    expect(JSON.stringify(manifest.modelTopology)).toContain('"class_name":"Maxout"')
    const weights = Buffer.from(files.weights.buffer, files.weights.byteOffset, files.weights.byteLength)
    server = createServer((req, res) => {
      if (req.url === '/model.json') res.end(files.modelJson)
      else if (req.url === '/weights.bin') res.end(weights)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const model = await tf.loadLayersModel(`http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`)

    const images = await dispatch('testImages', { dataset: 'mnist', indices: [0, 1, 2, 3, 4] })
    expect(images.ok).toBe(true)
    const batch = (images as { value: { images: { pixels: string; label: number }[] } }).value.images
    expect(batch.map((b) => b.label)).toEqual([7, 2, 1, 0, 4])
    for (const img of batch) {
      const pixels = Array.from(Buffer.from(img.pixels, 'base64'))
      const lab = await dispatch('predict', { runId, pixels })
      const fromLab = (lab as { value: { probs: number[] } }).value.probs
      const x = tf.tensor4d(
        pixels.map((v) => (v / 255 - 0.1307) / 0.3081),
        [1, 28, 28, 1]
      )
      const fromExport = Array.from((model.predict(x) as tf.Tensor).dataSync())
      fromExport.forEach((p, k) => expect(p).toBeCloseTo(fromLab[k], 5))
    }
  })

  it('refuses predictions and exports for runs without a model, and bad pixel arrays', async () => {
    expect(await dispatch('predict', { runId, pixels: [1, 2, 3] })).toEqual({
      ok: false,
      error: `run ${runId} reads 28x28 = 784 pixels, got 3`,
      kind: 'invalid'
    })
    expect(await dispatch('exportModel', { runId: 999 })).toEqual({ ok: false, error: 'run 999 does not exist', kind: 'missing' })
    expect(await dispatch('testImages', { indices: [10_000] })).toEqual({
      ok: false,
      error: 'test image 10000 does not exist (MNIST has 10000)',
      kind: 'missing'
    })
  })
})
