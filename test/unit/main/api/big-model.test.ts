// A model at the lab's parameter limit (just under 20 M): trained for one step, exported through
// serve mode's real HTTP route as bytes and read back by tfjs, and predicted in bursts while other
// requests are answered. One step on one example keeps it to a few seconds; the size is the point.
import * as tf from '@tensorflow/tfjs'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatch } from '../../../../src/main/api/dispatch'
import { createLabHandlers } from '../../../../src/main/api/handlers'
import { Lab } from '../../../../src/main/lab/lab'
import { MAX_PARAMETERS } from '../../../../src/main/lab/model/param-count'
import { startServer, type RunningServer } from '../../../../src/main/serve/server'
import { BYTES_REPLY_TYPE, decodeBytesReply } from '../../../../src/shared/bytes-reply'
import type { ExportedModel, Reply } from '../../../../src/shared/contract'
import { parseHyperparams } from '../../../../src/shared/fields'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'big.db') })
const dispatch = createDispatch(createLabHandlers(lab))
/** 784*4096+4096 + 4096*4086+4086 + 4086*10+10: the widest second layer under the limit. */
const PARAMS = 19_996_572
const PIXELS = Array.from({ length: 784 }, (_, i) => (i * 37) % 256)
let runId = 0
let server: RunningServer

/** POST to the server as a client without a browser would (no Origin: the token is enough). */
const post = (name: string, body: unknown) =>
  fetch(`http://127.0.0.1:${server.port}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-digit-lab-token': server.token },
    body: JSON.stringify(body)
  })

beforeAll(async () => {
  expect(PARAMS).toBeLessThanOrEqual(MAX_PARAMETERS)
  expect(PARAMS + 4096 + 10).toBeGreaterThan(MAX_PARAMETERS) // one more unit would be over
  // One thread: the helper's replica would double the memory and tell nothing more here.
  process.env.DIGIT_LAB_REPLICAS = '1'
  try {
    ;({ runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [4096, 4086] }, epochs: 1, limitTrain: 1, limitTest: 1, batchSize: 1 })
    ))
    expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
  } finally {
    delete process.env.DIGIT_LAB_REPLICAS
  }
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>')
  server = await startServer({ lab, dispatch, staticDir, port: 0 })
})
afterAll(async () => {
  await server?.close()
  await lab.close()
})

describe('a model at the parameter limit', () => {
  it('trains and is stored with the count the budget made', () => {
    expect(lab.getRun(runId)).toMatchObject({ status: 'completed', paramCount: PARAMS, hasWeights: true })
  })

  it('is exported over HTTP as raw bytes, not base64, and tf.loadLayersModel reads it back', async () => {
    const res = await post('exportModel', { runId })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(BYTES_REPLY_TYPE)
    const body = new Uint8Array(await res.arrayBuffer())
    const weightBytes = PARAMS * 4
    // The body is the weights as they are plus a small head: base64 would be a third larger.
    expect(Number(res.headers.get('content-length'))).toBe(body.byteLength)
    expect(body.byteLength - weightBytes).toBeGreaterThan(0)
    expect(body.byteLength - weightBytes).toBeLessThan(20_000)
    const reply = decodeBytesReply(body) as Reply<ExportedModel>
    if (!reply.ok) throw new Error(reply.error)
    const { modelJson, weights } = reply.value
    expect(weights.byteLength).toBe(weightBytes)
    const manifest = JSON.parse(modelJson)
    expect(manifest.weightsManifest[0].paths).toEqual(['weights.bin'])

    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest[0].weights, weightData: weights.slice().buffer })
    )
    expect(model.countParams()).toBe(PARAMS)
    const x = tf.tensor4d(
      PIXELS.map((v) => (v / 255 - 0.1307) / 0.3081),
      [1, 28, 28, 1]
    )
    const fromExport = Array.from((model.predict(x) as tf.Tensor).dataSync())
    const fromLab = await lab.predict(runId, PIXELS)
    fromExport.forEach((p, k) => expect(p).toBeCloseTo(fromLab[k], 5))
    model.dispose()
  })

  it('predicts off the main thread: a request asked during a burst of predictions is answered before it ends', async () => {
    // The model is loaded in the prediction worker first: the burst is compute only.
    expect(await dispatch('predict', { runId, pixels: PIXELS })).toMatchObject({ ok: true })
    const BURST = 40
    const answered: string[] = []
    const burst = Array.from({ length: BURST }, (_, i) =>
      dispatch('predict', { runId, pixels: PIXELS.map((p) => (p + i) % 256) }).then((r) => {
        expect(r.ok).toBe(true)
        answered.push('predict')
      })
    )
    // Asked once the first prediction is back, so the burst is under way in the worker.
    await Promise.race(burst)
    const listed = dispatch('listRuns', undefined).then((r) => {
      expect(r).toMatchObject({ ok: true, value: [{ id: runId }] })
      answered.push('listRuns')
    })
    await Promise.all([...burst, listed])
    // On the main thread the whole burst would have been computed before any of it resolved, and
    // listRuns would come last. Off it, most of the burst is still to come when listRuns answers.
    const stillToCome = answered.length - 1 - answered.indexOf('listRuns')
    expect(stillToCome).toBeGreaterThan(BURST / 2)
  })

  it('answers a refused export as JSON, like every other refusal', async () => {
    const res = await post('exportModel', { runId: 999 })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ ok: false, error: 'run 999 does not exist', kind: 'missing' })
  })
})
