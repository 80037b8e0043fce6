// What views ask of datasets and trained models: test images, a dataset's description, and a
// stored model's reading of a drawing (in the prediction worker). The last dataset used stays
// loaded, as the gallery and the draw view ask for it often.
import { resolve } from 'node:path'
import type { TestImages } from '@shared/contract'
import type { DigitInside } from '@shared/inside'
import type { DatasetInfo } from '@shared/run-types'
import { describeDataset, loadDataset, type Dataset } from '../data/datasets'
import { PredictorThread } from '../engine/predictor-thread'
import { LabError } from '../lab-error'
import type { Store } from '../store/store'

export class DatasetsAndModels {
  private loaded: { id: string; promise: Promise<Dataset> } | null = null
  /** Predictions run in a worker of their own, started on the first one. */
  private readonly predictor = new PredictorThread()

  constructor(private readonly store: Store) {}

  /** Requests for a dataset while it loads share the one read; a failed read is not kept. */
  load(spec: string): Promise<Dataset> {
    const id = spec === 'mnist' ? spec : resolve(spec)
    if (this.loaded?.id !== id) {
      const promise = loadDataset(spec)
      this.loaded = { id, promise }
      promise.catch(() => {
        if (this.loaded?.promise === promise) this.loaded = null
      })
    }
    return this.loaded.promise
  }

  async describe(spec: string): Promise<DatasetInfo> {
    return describeDataset(await this.load(spec))
  }

  async testImages(spec: string, indices: number[]): Promise<TestImages> {
    const ds = await this.load(spec)
    const size = ds.rows * ds.cols
    const images = indices.map((index) => {
      if (index >= ds.test.count) throw new LabError(`test image ${index} does not exist (${ds.name} has ${ds.test.count})`, 'missing')
      return { index, label: ds.test.labels[index], pixels: Buffer.from(ds.test.images.subarray(index * size, (index + 1) * size)).toString('base64') }
    })
    return { rows: ds.rows, cols: ds.cols, images }
  }

  async predict(runId: number, pixels: number[]): Promise<number[]> {
    return this.predictor.predict(runId, () => this.store.weights.require(runId), pixels, await this.trainedOn(runId))
  }

  /**
   * One digit through a run's trained model, every layer's output and the probabilities: the
   * model at the end of `epoch` where it was kept (small models), else the final one (the reply says which).
   */
  async lookInside(runId: number, pixels: number[], epoch?: number): Promise<DigitInside> {
    const ds = await this.trainedOn(runId)
    const kept = epoch != null && this.store.weights.hasEpoch(runId, epoch) ? epoch : null
    const weights = () => (kept == null ? null : this.store.weights.atEpoch(runId, kept)) ?? this.store.weights.require(runId)
    return this.predictor.lookInside(runId, weights, pixels, ds, kept)
  }

  /**
   * The dataset (its normalisation) a run with a stored model was trained on. A run without one
   * is refused here, with the store's own words, rather than after a trip to the prediction worker.
   */
  private trainedOn(runId: number): Promise<Dataset> {
    const run = this.store.runs.row(runId)
    if (!this.store.weights.has(runId)) this.store.weights.require(runId)
    return this.load(run.dataset)
  }

  /** A deleted run's model is not kept in the worker. */
  forget(runId: number): void {
    this.predictor.forget(runId)
  }

  close(): Promise<void> {
    return this.predictor.close()
  }
}
