// The bridge to the course's PyTorch: a run out as a PyTorch package (model.py, its state_dict as
// weights.safetensors, evaluate.py, a README), and a PyTorch state_dict in as a run marked
// "trained in PyTorch". Everything is checked and evaluated before the one write that stores it.
import type { Hyperparams } from '@shared/hyperparams'
import { zipSync } from 'fflate'
import { LabError } from '../lab-error'
import { importStateDict } from '../pytorch/import-model'
import { splitTfjsWeights, toStateDict } from '../pytorch/layout'
import { pytorchPackage, type PytorchPackageFile } from '../pytorch/package-files'
import { planTorch } from '../pytorch/torch-plan'
import { json, storedHyperparams } from '../store/rows'
import type { Store } from '../store/store'
import type { DatasetsAndModels } from './datasets-and-models'
import type { EventHub } from './event-hub'

export class PytorchBridge {
  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly data: DatasetsAndModels
  ) {}

  /** The package's files; refused, saying why, for a run without a model or a layer PyTorch's code here cannot express. */
  async files(runId: number): Promise<PytorchPackageFile[]> {
    const row = this.store.runs.row(runId)
    const artifacts = this.store.weights.require(runId)
    const hp = storedHyperparams(row.hyperparams)
    const ds = await this.data.load(row.dataset)
    const classNames = json<string[]>(row.class_names, ds.classNames)
    let plan
    try {
      plan = planTorch(hp, { rows: ds.rows, cols: ds.cols, numClasses: classNames.length })
    } catch (err) {
      throw new LabError(`run ${runId} cannot be exported as PyTorch code: ${(err as Error).message}`)
    }
    const specs = artifacts.weightSpecs
    const odd = specs.findIndex((s, i) => s.dtype !== 'float32' || s.shape.join('x') !== plan.tensors[i]?.tfjsShape.join('x'))
    if (specs.length !== plan.tensors.length || odd >= 0) {
      throw new LabError(
        `run ${runId}'s stored model does not match its layer list (weight ${odd + 1} of ${specs.length}), so it cannot be exported as PyTorch`
      )
    }
    const stateDict = toStateDict(plan, splitTfjsWeights(plan, artifacts.weightData))
    return pytorchPackage(plan, stateDict, ds, {
      id: runId,
      name: row.name,
      dataset: row.dataset,
      testAccuracy: row.final_test_accuracy,
      testLoss: row.final_test_loss
    })
  }

  /** The package as one zip, its files in a folder named after the run. */
  async zip(runId: number): Promise<{ fileName: string; zip: Uint8Array }> {
    const files = await this.files(runId)
    const folder = `digit-lab-run-${runId}-pytorch`
    return { fileName: `${folder}.zip`, zip: zipSync(Object.fromEntries(files.map((f) => [`${folder}/${f.name}`, f.bytes]))) }
  }

  /**
   * A .safetensors state_dict of the model `hp` describes, evaluated on `hp.dataset`'s test set
   * and stored as a completed run marked "trained in PyTorch". A refusal stores nothing.
   */
  async import(file: Uint8Array, hp: Hyperparams, fileName = 'the file'): Promise<{ runId: number }> {
    const ds = await this.data.load(hp.dataset)
    const imported = await importStateDict(file, hp, ds, fileName)
    const e = imported.evaluation
    const name = hp.name || `PyTorch · ${hp.architecture.preset === 'seed-cnn' ? 'Net' : hp.architecture.preset} · ${fileName}`.slice(0, 120)
    const runId = this.store.write(() => {
      const id = this.store.runs.createImported(hp, name, {
        layers: imported.layers,
        paramCount: imported.paramCount,
        classNames: ds.classNames,
        seconds: imported.seconds
      })
      // No training: the epoch row holds the test evaluation only (train loss and accuracy stay empty).
      this.store.metrics.addEpoch(
        id,
        { epoch: 1, trainLoss: NaN, trainAccuracy: NaN, testLoss: e.loss, testAccuracy: e.accuracy, seconds: 0, numTensors: 0 },
        e.confusion,
        e.misclassified
      )
      this.store.weights.save(id, imported.artifacts)
      if (imported.embedding) this.store.inside.setEmbedding(id, imported.embedding)
      if (imported.inside) this.store.inside.addPoint(id, imported.inside)
      return id
    })
    this.hub.runChanged(runId)
    return { runId }
  }
}
