// Worker-thread entry for predictions: the Predictor and its model cache live here, so loading a
// model and running it never hold the thread that answers requests.
import { parentPort } from 'node:worker_threads'
import { Predictor } from '../model/predictor'
import type { ModelArtifacts } from '../model/weights'
import type { FromPredictor, ToPredictor } from './predict-protocol'

const port = parentPort!
const predictor = new Predictor()
/** Requests waiting for the weights they asked for. */
const waiting = new Map<number, (artifacts: ModelArtifacts | null) => void>()
const send = (msg: FromPredictor) => port.postMessage(msg)

function askWeights(id: number, runId: number): Promise<ModelArtifacts> {
  return new Promise((resolve, reject) => {
    waiting.set(id, (artifacts) => (artifacts ? resolve(artifacts) : reject(new Error(`the weights of run ${runId} could not be read`))))
    send({ kind: 'need', id, runId })
  })
}

port.on('message', async (msg: ToPredictor) => {
  switch (msg.kind) {
    case 'weights':
      waiting.get(msg.id)?.(msg.artifacts)
      waiting.delete(msg.id)
      return
    case 'forget':
      return predictor.forget(msg.runId)
    case 'predict':
      try {
        const weights = () => askWeights(msg.id, msg.runId)
        if (msg.inside) send({ kind: 'inside', id: msg.id, inside: await predictor.lookInside(msg.runId, weights, msg.pixels, msg.norm, msg.epoch ?? null) })
        else send({ kind: 'probs', id: msg.id, probs: await predictor.predict(msg.runId, weights, msg.pixels, msg.norm) })
      } catch (err) {
        // The error's kind (an image of the wrong size is the caller's mistake) crosses with it.
        send({ kind: 'error', id: msg.id, message: (err as Error).message, errorKind: (err as { kind?: string }).kind })
      }
  }
})
