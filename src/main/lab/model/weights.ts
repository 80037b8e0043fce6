// Trained weights as tfjs model artifacts: stored in SQLite, exported as model.json + weights.bin.
import * as tf from '@tensorflow/tfjs'
import './maxout' // registers the custom layer so stored models load again

export interface ModelArtifacts {
  modelTopology: object
  weightSpecs: tf.io.WeightsManifestEntry[]
  weightData: ArrayBuffer
}

export async function exportArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | null = null
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData
      saved = {
        modelTopology: artifacts.modelTopology as object,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer)
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    })
  )
  if (!saved) throw new Error('the model produced no artifacts')
  return saved
}

export async function loadArtifacts(artifacts: ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(artifacts.modelTopology, artifacts.weightSpecs, artifacts.weightData))
}

/**
 * model.json + weights.bin as `tf.io.browserFiles` and `tf.loadLayersModel` expect them. The
 * weights are a view of the artifacts' bytes, and a plain Uint8Array: a Buffer would turn into a
 * JSON array of numbers wherever something stringifies it.
 */
export function toModelFiles(artifacts: ModelArtifacts): { modelJson: string; weights: Uint8Array } {
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Digit Lab',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }]
  })
  return { modelJson, weights: new Uint8Array(artifacts.weightData) }
}
