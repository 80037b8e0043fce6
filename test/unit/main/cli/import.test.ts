// The bridge's terminal doors, as real child processes on a real database: `runs export --format
// pytorch` writes a package that PyTorch evaluates as the lab did, and `import` brings its
// weights back as a run "trained in PyTorch" with the same test accuracy (a round trip through
// PyTorch's layout, maxout included); a state_dict of another model is refused and stores nothing.
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { mnistDir } from '../../../../src/main/lab/data/datasets'
import { Lab } from '../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../src/shared/fields'
import { runTs } from '../../../helpers/node-child'
import { runPython } from '../../../helpers/pytorch'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const db = join(dir, 'cli.db')
const out = join(dir, 'package')
let runId = 0
let labAccuracy = 0

beforeAll(async () => {
  const lab = new Lab({ dbPath: db, adoptQueued: false })
  try {
    const hp = parseHyperparams({
      architecture: { preset: 'mlp', hidden: [32] },
      activation: 'maxout',
      optimizer: 'adam',
      learningRate: 0.005,
      limitTrain: 600
    })
    ;({ runId } = await lab.startRun(hp))
    expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
    labAccuracy = lab.getRun(runId).finalTestAccuracy!
  } finally {
    await lab.close()
  }
})

const runCount = async () => (JSON.parse((await runTs('src/main/cli/runs.ts', ['list', '--json', '--db', db])).stdout) as unknown[]).length

describe('the PyTorch doors of the CLI', () => {
  it('exports a run as a PyTorch package folder, and imports its weights back as a run with the same accuracy', async () => {
    const exported = await runTs('src/main/cli/runs.ts', ['export', String(runId), '--format', 'pytorch', '--out', out, '--db', db])
    expect(exported.stderr).toBe('')
    expect(exported.code).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['README.md', 'evaluate.py', 'model.py', 'weights.safetensors'])
    const torch = await runPython([join(out, 'evaluate.py'), mnistDir()])
    expect(torch.test_accuracy).toBe(labAccuracy)

    const imported = await runTs('src/main/cli/import.ts', [
      join(out, 'weights.safetensors'),
      '--model',
      'mlp',
      '--hidden',
      '32',
      '--activation',
      'maxout',
      '--json',
      '--db',
      db
    ])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    const last = JSON.parse(imported.stdout.trim().split('\n').at(-1)!) as { runId: number; testAccuracy: number }
    expect(last.runId).toBeGreaterThan(runId)
    expect(last.testAccuracy).toBe(labAccuracy)
    const shown = JSON.parse((await runTs('src/main/cli/runs.ts', ['show', String(last.runId), '--json', '--db', db])).stdout) as {
      trainedIn: string
      finalTestAccuracy: number
    }
    expect(shown).toMatchObject({ trainedIn: 'pytorch', finalTestAccuracy: labAccuracy })
    const text = (await runTs('src/main/cli/runs.ts', ['show', String(last.runId), '--db', db])).stdout
    expect(text).toContain('  trained    in PyTorch and imported: its test evaluation and model, no training curves\n')
    expect(text).toContain('train loss      -  test loss')
    expect(text).not.toContain('optimizer')
  })

  it("refuses another model's state_dict with its sentence, storing nothing", async () => {
    const before = await runCount()
    const r = await runTs('src/main/cli/import.ts', [join(out, 'weights.safetensors'), '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('digit-lab: tensor "fc1.weight" has shape [64, 784], but this model\'s nn.Linear(320, 50) expects [50, 320]\n')
    expect(await runCount()).toBe(before)
  })

  it('writes a package only into a new or empty folder', async () => {
    const r = await runTs('src/main/cli/runs.ts', ['export', String(runId), '--format', 'pytorch', '--out', out, '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`digit-lab: ${out} is not empty: export into a new or empty folder\n`)
    expect(existsSync(join(out, 'model.py'))).toBe(true)
  })
})
