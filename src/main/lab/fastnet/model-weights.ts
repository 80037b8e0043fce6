// Weights between the tfjs model (where buildModel initialised them and from where they are
// exported) and the fast engine. The tfjs model stays the one place weights are born and leave.
import * as tf from '@tensorflow/tfjs'
import type { FastNet } from './net'
import type { Plan } from './net-plan'

/** The conv/dense layers' kernels and biases, in the plan's order. */
export function readModelWeights(logits: tf.LayersModel, plan: Plan): Float32Array[] {
  return plan.weightLayers.flatMap((i) => logits.layers[i].getWeights().map((w) => w.dataSync() as Float32Array))
}

/** Writes the engine's weights into the tfjs model (the softmax model shares its layers). */
export function writeModelWeights(logits: tf.LayersModel, plan: Plan, net: FastNet): void {
  const weights = net.getWeights()
  plan.weightLayers.forEach((layerIndex, k) => {
    const tensors = [weights[2 * k], weights[2 * k + 1]].map((w) => tf.tensor(w.values, w.shape))
    logits.layers[layerIndex].setWeights(tensors)
    tf.dispose(tensors)
  })
}
