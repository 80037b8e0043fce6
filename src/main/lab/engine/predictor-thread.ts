// Predictions in a worker thread of their own: a big model's load or a burst of predictions
// keeps that thread busy, never the one answering a window's or a server's other requests. Started
// on the first prediction; the worker asks for a run's weights only when it has not cached them.
import type { Worker } from 'node:worker_threads'
import type { DigitInside } from '@shared/inside'
import type { Normaliser } from '../data/datasets'
import type { ModelArtifacts } from '../model/weights'
import type { FromPredictor, ToPredictor } from './predict-protocol'
import { spawnWorker } from './spawn'

interface Pending {
  resolve: (answer: number[] | DigitInside) => void
  reject: (err: Error) => void
  weights: () => ModelArtifacts
}

export class PredictorThread {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  /** `weights` is called (on this thread) only if the worker asks: its model is not cached there. */
  predict(runId: number, weights: () => ModelArtifacts, pixels: number[], norm: Normaliser): Promise<number[]> {
    return this.ask(runId, weights, pixels, norm, false) as Promise<number[]>
  }

  /** One digit through the run's model, every layer's output. */
  lookInside(runId: number, weights: () => ModelArtifacts, pixels: number[], norm: Normaliser, epoch: number | null = null): Promise<DigitInside> {
    return this.ask(runId, weights, pixels, norm, true, epoch) as Promise<DigitInside>
  }

  private ask(
    runId: number,
    weights: () => ModelArtifacts,
    pixels: number[],
    norm: Normaliser,
    inside: boolean,
    epoch: number | null = null
  ): Promise<number[] | DigitInside> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, weights })
      this.post({ kind: 'predict', id, runId, pixels, norm: { mean: norm.mean, std: norm.std }, inside, epoch })
    })
  }

  forget(runId: number): void {
    if (this.worker) this.post({ kind: 'forget', runId })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = null
    this.failAll('the lab closed before the prediction was made')
    await worker?.terminate()
  }

  private post(msg: ToPredictor, transfer: ArrayBuffer[] = []): void {
    const worker = (this.worker ??= this.start())
    // Only waiting predictions keep the process alive: an idle worker must not.
    if (this.pending.size) worker.ref()
    worker.postMessage(msg, transfer)
  }

  private start(): Worker {
    const worker = spawnWorker('predictor', null)
    worker.on('message', (msg: FromPredictor) => this.receive(msg))
    const lost = (why: string) => {
      if (this.worker !== worker) return
      this.worker = null
      this.failAll(`the prediction thread stopped (${why}); the next prediction starts a new one`)
    }
    worker.on('error', (err) => lost(err.message))
    worker.on('exit', (code) => lost(`exit code ${code}`))
    return worker
  }

  private receive(msg: FromPredictor): void {
    const p = this.pending.get(msg.id)
    if (!p) return
    if (msg.kind === 'need') {
      let artifacts: ModelArtifacts
      try {
        artifacts = p.weights()
      } catch (err) {
        // The store's own error (a run without a model) reaches the caller as it is, kind and all.
        this.settle(msg.id)
        p.reject(err as Error)
        this.post({ kind: 'weights', id: msg.id, artifacts: null })
        return
      }
      this.post({ kind: 'weights', id: msg.id, artifacts }, [artifacts.weightData])
      return
    }
    this.settle(msg.id)
    if (msg.kind === 'probs') p.resolve(msg.probs)
    else if (msg.kind === 'inside') p.resolve(msg.inside)
    else p.reject(Object.assign(new Error(msg.message), msg.errorKind ? { kind: msg.errorKind } : {}))
  }

  private settle(id: number): void {
    this.pending.delete(id)
    if (!this.pending.size) this.worker?.unref()
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new Error(message))
    this.pending.clear()
  }
}
