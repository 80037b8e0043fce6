// A run exported as a PyTorch package and evaluated by real PyTorch (evaluate.py, with the
// package's own safetensors reader: the safetensors package is not installed) gives the lab's
// stored test accuracy to the digit, its loss within 1e-5, and the same class for every test
// image: the course's CNN, an MLP of each activation, and a custom CNN on a folder dataset.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDataset } from '../../../../../src/main/lab/data/datasets'
import { Lab } from '../../../../../src/main/lab/lab'
import { ACTIVATIONS, type HyperparamsInput } from '../../../../../src/shared/hyperparams'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { writeFolderDataset } from '../../../../helpers/idx-files'
import { runPython } from '../../../../helpers/pytorch'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'bridge.db'), adoptQueued: false })
afterAll(() => lab.close())

const folder = writeFolderDataset(join(dir, 'stripes'), { train: 200, test: 100, classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] })

/** What the table in the report prints: each model, the lab's and PyTorch's figures. */
const figures: string[] = []

async function exportAndEvaluate(label: string, settings: HyperparamsInput) {
  const hp = parseHyperparams({ epochs: 1, limitTrain: 600, optimizer: 'adam', learningRate: 0.005, ...settings })
  const { runId } = await lab.startRun(hp)
  expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
  const out = join(dir, `run-${runId}`)
  mkdirSync(out)
  for (const f of await lab.pytorchFiles(runId)) writeFileSync(join(out, f.name), f.bytes)
  const ds = await loadDataset(hp.dataset)
  const torch = await runPython([join(out, 'evaluate.py'), ds.source, '--predictions'])
  const run = lab.getRun(runId)
  const wrong = new Map(lab.misclassified(runId).items.map((m) => [m.index, m.predicted]))
  const labPredictions = Array.from(ds.test.labels, (label, i) => wrong.get(i) ?? label)
  figures.push(`| ${label} | ${run.finalTestAccuracy} | ${torch.test_accuracy} | ${run.finalTestLoss} | ${torch.test_loss} |`)
  expect(torch.count).toBe(ds.test.count)
  expect(torch.test_accuracy).toBe(run.finalTestAccuracy)
  expect(Math.abs((torch.test_loss as number) - run.finalTestLoss!)).toBeLessThan(1e-5)
  expect(torch.predictions).toEqual(labPredictions)
  return out
}

describe('export to PyTorch', () => {
  it("writes the course's CNN as the course writes Net, and PyTorch agrees with the lab on all 10,000 test digits", async () => {
    const out = await exportAndEvaluate('course CNN (seed-cnn, ReLU)', {})
    const { readFileSync } = await import('node:fs')
    const model = readFileSync(join(out, 'model.py'), 'utf8')
    for (const line of [
      'self.conv1 = nn.Conv2d(1, 10, kernel_size=5)',
      'self.conv2 = nn.Conv2d(10, 20, kernel_size=5)',
      'self.fc1 = nn.Linear(320, 50)',
      'self.fc2 = nn.Linear(50, 10)',
      'x = F.relu(F.max_pool2d(self.conv1(x), 2))',
      'x = F.relu(F.max_pool2d(self.conv2(x), 2))',
      'x = x.view(-1, 320)',
      'x = F.relu(self.fc1(x))',
      'x = F.dropout(x, training=self.training)',
      'return self.fc2(x)'
    ])
      expect(model).toContain(line)
  })

  for (const activation of ACTIVATIONS) {
    it(`exports an MLP with ${activation} that PyTorch evaluates exactly as the lab did`, async () => {
      await exportAndEvaluate(`MLP 64, ${activation}`, { architecture: { preset: 'mlp', hidden: [64] }, activation })
    })
  }

  it('exports a custom CNN on a folder dataset (same padding, strides, maxout channels, average pooling), normalised as the folder was', async () => {
    await exportAndEvaluate('custom CNN on a folder dataset', {
      dataset: folder,
      activation: 'relu',
      architecture: {
        preset: 'custom',
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, stride: 1, padding: 'same' },
          { type: 'activation', activation: 'maxout' },
          { type: 'avgPool', poolSize: 2 },
          { type: 'conv2d', filters: 6, kernelSize: 4, stride: 2, padding: 'same' },
          { type: 'activation', activation: 'elu' },
          { type: 'flatten' },
          { type: 'dense', units: 16 },
          { type: 'activation', activation: 'leakyRelu' }
        ]
      }
    })
  })

  afterAll(() => console.log(['| model | lab accuracy | PyTorch accuracy | lab loss | PyTorch loss |', ...figures].join('\n')))
})
