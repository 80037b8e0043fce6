// A model trained in real PyTorch comes into the lab: the course's Net (and an MLP whose layers are
// given as in Train), trained by PyTorch on a subset, is stored as a run marked "trained in
// PyTorch" whose test accuracy equals PyTorch's to the digit, with what the views need
// (confusion, mistakes, model, embedding, filters) and no curves. Bad files are refused with a
// sentence naming what was wrong, and store nothing.
import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createDispatch } from '../../../../../src/main/api/dispatch'
import { createLabHandlers } from '../../../../../src/main/api/handlers'
import { mnistDir } from '../../../../../src/main/lab/data/datasets'
import { Lab } from '../../../../../src/main/lab/lab'
import { writeSafetensors } from '../../../../../src/main/lab/pytorch/safetensors'
import { ROOT } from '../../../../helpers/node-child'
import { runPython } from '../../../../helpers/pytorch'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const dbPath = join(dir, 'import.db')
const lab = new Lab({ dbPath, adoptQueued: false })
const dispatch = createDispatch(createLabHandlers(lab))
afterAll(() => lab.close())

const TRAIN = join(ROOT, 'test/fixtures/pytorch/train_net.py')
const net = join(dir, 'net.safetensors')

/** Rows of every table a run writes to: a refusal must leave each as it was. */
function rowCounts(): Record<string, number> {
  const db = new Database(dbPath, { readonly: true })
  try {
    const tables = ['runs', 'epoch_metrics', 'misclassified', 'weights', 'embeddings', 'inside_points']
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]))
  } finally {
    db.close()
  }
}

const importFile = (bytes: Uint8Array, settings: object = {}, fileName = 'net.safetensors') =>
  dispatch('importPytorch', { file: Buffer.from(bytes).toString('base64'), fileName, settings })

describe('import from PyTorch', () => {
  it("stores the course's Net trained in PyTorch as a run whose test accuracy is PyTorch's to the digit", async () => {
    const torch = await runPython([TRAIN, mnistDir(), net, '600'])
    const reply = await importFile(readFileSync(net))
    expect(reply).toMatchObject({ ok: true })
    const { runId } = (reply as { value: { runId: number } }).value
    const run = lab.getRun(runId)
    console.log(`| Net trained in PyTorch, imported | ${run.finalTestAccuracy} | ${torch.test_accuracy} | ${run.finalTestLoss} | ${torch.test_loss} |`)
    expect(run.trainedIn).toBe('pytorch')
    expect(run.status).toBe('completed')
    // It learned something (chance is 0.1): the comparison is between real predictions.
    expect(torch.test_accuracy).toBeGreaterThan(0.3)
    expect(run.finalTestAccuracy).toBe(torch.test_accuracy)
    expect(Math.abs(run.finalTestLoss! - (torch.test_loss as number))).toBeLessThan(1e-4)
    expect(run.paramCount).toBe(21_840)
    expect(run.batchCount).toBe(0)
    expect(run.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(10_000)
    expect(lab.misclassified(runId).items).toHaveLength(Math.round(10_000 * (1 - run.finalTestAccuracy!)))
    const inside = lab.getInside(runId)
    expect(inside.embedding?.indices).toHaveLength(2000)
    expect(inside.points.at(-1)?.filters).toMatchObject({ layer: expect.stringMatching(/^conv2d/), count: 10, height: 5, width: 5 })
    // Draw reads the stored model: a test digit is classed as the evaluation classed it.
    const [digit] = (await lab.testImages('mnist', [0])).images
    const probs = await lab.predict(runId, Array.from(Buffer.from(digit.pixels, 'base64')))
    const wrong = lab.misclassified(runId).items.find((m) => m.index === 0)
    expect(probs.indexOf(Math.max(...probs))).toBe(wrong?.predicted ?? digit.label)
  })

  it('imports an MLP whose layers are given as in Train (hidden 64, tanh)', async () => {
    const file = join(dir, 'mlp.safetensors')
    const torch = await runPython([TRAIN, mnistDir(), file, '600', 'mlp', '64', 'tanh'])
    const reply = await importFile(readFileSync(file), {
      architecture: { preset: 'mlp', hidden: [64] },
      activation: 'tanh',
      name: 'tanh MLP from the notebook'
    })
    const { runId } = (reply as { value: { runId: number } }).value
    const run = lab.getRun(runId)
    console.log(`| MLP 64 tanh trained in PyTorch, imported | ${run.finalTestAccuracy} | ${torch.test_accuracy} | ${run.finalTestLoss} | ${torch.test_loss} |`)
    expect(run.name).toBe('tanh MLP from the notebook')
    expect(run.finalTestAccuracy).toBe(torch.test_accuracy)
  })

  describe('refusals store nothing', () => {
    const good = () => readFileSync(net)
    const f32 = (n: number) => new Float32Array(n)
    const courseTensors = () => [
      { name: 'conv1.weight', shape: [10, 1, 5, 5], data: f32(250) },
      { name: 'conv1.bias', shape: [10], data: f32(10) },
      { name: 'conv2.weight', shape: [20, 10, 5, 5], data: f32(5000) },
      { name: 'conv2.bias', shape: [20], data: f32(20) },
      { name: 'fc1.weight', shape: [50, 320], data: f32(16000) },
      { name: 'fc1.bias', shape: [50], data: f32(50) },
      { name: 'fc2.weight', shape: [10, 50], data: f32(500) },
      { name: 'fc2.bias', shape: [10], data: f32(10) }
    ]
    const header = (length: bigint, rest: Uint8Array = new Uint8Array(0)) => {
      const bytes = new Uint8Array(8 + rest.byteLength)
      new DataView(bytes.buffer).setBigUint64(0, length, true)
      bytes.set(rest, 8)
      return bytes
    }
    const zip = new TextEncoder().encode('PK\u0003\u0004 this is a zip, not a state_dict')
    const zipClaims = Number(new DataView(zip.buffer).getBigUint64(0, true)).toLocaleString('en')
    const cases: [string, () => Uint8Array, string][] = [
      [
        'a tensor of the wrong shape',
        () => writeSafetensors(courseTensors().map((t) => (t.name === 'fc1.weight' ? { ...t, shape: [50, 300], data: f32(15000) } : t))),
        'tensor "fc1.weight" has shape [50, 300], but this model\'s nn.Linear(320, 50) expects [50, 320]'
      ],
      [
        'a name the model has no place for',
        () => writeSafetensors([...courseTensors(), { name: 'fc3.weight', shape: [10, 10], data: f32(100) }]),
        'net.safetensors holds a tensor "fc3.weight" of shape [10, 10] that this model has no place for: it expects conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias'
      ],
      [
        'a missing tensor',
        () => writeSafetensors(courseTensors().filter((t) => t.name !== 'conv2.bias')),
        'net.safetensors lacks tensor "conv2.bias": this model\'s nn.Conv2d(10, 20, kernel_size=5) expects one of shape [20]'
      ],
      [
        'a file that is not safetensors',
        () => zip,
        `net.safetensors is not a safetensors file: its first 8 bytes claim a header of ${zipClaims} bytes, and a safetensors header is at most 100,000,000`
      ],
      [
        'a header that claims more bytes than the file has',
        () => good().subarray(0, 200),
        'net.safetensors is cut short or not a safetensors file: its header claims '
      ],
      [
        'a 2 GB header',
        () => header(2n ** 31n, new TextEncoder().encode('{}')),
        'net.safetensors is not a safetensors file: its first 8 bytes claim a header of 2,147,483,648 bytes, and a safetensors header is at most 100,000,000'
      ],
      ['tensor bytes past the end of the file', () => good().subarray(0, good().byteLength - 4), 'tensor "fc2.bias" claims bytes ']
    ]
    for (const [what, bytes, sentence] of cases) {
      it(`refuses ${what}, saying so`, async () => {
        const before = rowCounts()
        const reply = await importFile(bytes())
        expect(reply).toMatchObject({ ok: false, kind: 'invalid' })
        expect((reply as { error: string }).error).toContain(sentence)
        expect(rowCounts()).toEqual(before)
      })
    }

    it('refuses a state_dict of another model than the one named', async () => {
      const before = rowCounts()
      const reply = await importFile(good(), { architecture: { preset: 'mlp', hidden: [100] } })
      expect((reply as { error: string }).error).toBe(
        'net.safetensors holds a tensor "conv1.weight" of shape [10, 1, 5, 5] that this model has no place for: it expects fc1.weight, fc1.bias, fc2.weight, fc2.bias'
      )
      expect(rowCounts()).toEqual(before)
    })
  })
})
