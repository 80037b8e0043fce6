// The wasm gradient kernels against the cpu backend's, numerically, through the public ops
// that tfjs-layers' conv and pool layers use in training.
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../../../src/main/lab/backend/select'

type Case = { name: string; x: number[]; f: number[]; strides: number; pad: 'valid' | 'same' }

function seeded(shape: number[], seed: number, offset = 0): tf.Tensor {
  return tf.randomUniform(shape, -1 + offset, 1 + offset, 'float32', seed)
}

/** Gradients of sum(fused conv + relu + max-pool) w.r.t. input, filter and bias on one backend. */
async function convGrads(backend: string, c: Case, poolOffset: number) {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const x = seeded(c.x, 1)
    const f = seeded(c.f, 2)
    const b = seeded([c.f[3]], 3, poolOffset)
    const w = seeded([1, 1, 1, c.f[3]], 4)
    const loss = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => {
      const y = tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, bias: bb, strides: c.strides, pad: c.pad })
      return tf.sum(tf.mul(tf.maxPool(y as tf.Tensor4D, 2, 2, 'valid'), w))
    }
    const grads = tf.grads(loss)([x, f, b])
    return grads.map((g) => Array.from(g.dataSync()))
  })
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length)
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
}

describe('wasm gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    const info = await selectBackend({ force: 'wasm' })
    expect(info.name).toBe('wasm')
  })

  const cases: Case[] = [
    { name: "the course's first conv", x: [4, 28, 28, 1], f: [5, 5, 1, 10], strides: 1, pad: 'valid' },
    { name: "the course's second conv", x: [3, 12, 12, 10], f: [5, 5, 10, 20], strides: 1, pad: 'valid' },
    { name: 'same padding', x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { name: 'stride 2', x: [2, 11, 11, 2], f: [3, 3, 2, 3], strides: 2, pad: 'valid' },
    { name: 'stride 2, same padding', x: [2, 10, 10, 2], f: [4, 4, 2, 3], strides: 2, pad: 'same' }
  ]
  for (const c of cases) {
    it(`conv2d input and filter gradients: ${c.name}`, async () => {
      const cpu = await convGrads('cpu', c, 0)
      const wasm = await convGrads('wasm', c, 0)
      for (let i = 0; i < 3; i++) {
        const scale = Math.max(1, ...cpu[i].map(Math.abs))
        expect(maxAbsDiff(wasm[i], cpu[i]) / scale).toBeLessThan(1e-4)
      }
    })
  }

  it('max-pool gradient when every value in a window is negative (pool before ReLU)', async () => {
    const c = cases[1]
    // A bias of -3 makes every conv output negative, as happens in the course's net.
    const cpu = await convGrads('cpu', c, -3)
    const wasm = await convGrads('wasm', c, -3)
    await tf.setBackend('cpu')
    expect(maxAbsDiff(wasm[0], cpu[0])).toBeLessThan(1e-4)
    expect(maxAbsDiff(wasm[1], cpu[1])).toBeLessThan(1e-4)
  })

  it('max-pool gradient goes to the first of tied maxima, with overlapping windows and padding', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend)
      return tf.tidy(() => {
        const x = tf.tensor4d([-1, -1, -2, -1, -5, -1, -3, -1, -1, -4, -2, -2, -1, -1, -1, -6], [1, 4, 4, 1])
        return [
          [3, 2, 'valid'],
          [2, 1, 'same'],
          [2, 2, 'valid']
        ].map(([size, stride, pad]) =>
          Array.from(
            tf
              .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size as number, stride as number, pad as 'valid'), 1.5)))(x)
              .dataSync()
          )
        )
      })
    }
    const cpu = await run('cpu')
    const wasm = await run('wasm')
    for (let i = 0; i < cpu.length; i++) expect(wasm[i]).toEqual(cpu[i])
  })

  it('leaks no tensors across a training step', async () => {
    await tf.setBackend('wasm')
    const x = seeded([2, 12, 12, 3], 5)
    const f = tf.variable(seeded([5, 5, 3, 4], 6))
    const opt = tf.train.sgd(0.1)
    const step = () => opt.minimize(() => tf.sum(tf.maxPool(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'), 2, 2, 'valid')) as tf.Scalar)
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 3; i++) step()
    expect(tf.memory().numTensors).toBe(before)
  })
})
