import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTs } from '../../../helpers/node-child'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const db = join(dir, 'cli.db')
const train = (...args: string[]) => runTs('src/main/cli/train.ts', args)
const runs = (...args: string[]) => runTs('src/main/cli/runs.ts', args)

describe('CLI', () => {
  it('trains with --json: one object per epoch, then a summary; runs show reads it back', async () => {
    const r = await train(
      '--preset',
      'mlp',
      '--hidden',
      '48',
      '--optimizer',
      'adam',
      '--lr',
      '0.002',
      '--epochs',
      '2',
      '--limit-train',
      '1000',
      '--limit-test',
      '300',
      '--db',
      db,
      '--json'
    )
    expect(r.code).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.type)).toEqual(['epoch', 'epoch', 'summary'])
    const summary = lines[2]
    expect(summary).toMatchObject({ runId: 1, status: 'completed', db })
    expect(summary.backend).toMatch(/wasm|tensorflow/)
    expect(summary.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(300)
    expect(summary.testAccuracy).toBe(lines[1].testAccuracy)

    const shown = await runs('show', '1', '--json', '--db', db)
    expect(shown.code).toBe(0)
    const run = JSON.parse(shown.stdout)
    expect(run.batches).toHaveLength(20)
    expect(run.epochs).toHaveLength(2)
    expect(run.hyperparams).toMatchObject({ optimizer: 'adam', learningRate: 0.002, architecture: { preset: 'mlp', hidden: [48] } })

    const listed = await runs('list', '--db', db)
    expect(listed.stdout).toMatch(/^\s+1\s+completed\s+\d+\.\d\d%/m)
    const human = await runs('show', '1', '--db', db)
    expect(human.stdout).toMatch(/confusion \(rows: true, columns: predicted\)/)
  })

  it('prints the course-style test line without --json', async () => {
    const r = await train('--preset', 'mlp', '--epochs', '1', '--limit-train', '300', '--limit-test', '200', '--db', db)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Test set: Average loss: \d+\.\d{4}, Accuracy: \d+\/200 \(\d+%\)/)
    expect(r.stderr).toMatch(/on (digit-lab-wasm|wasm|tensorflow).*trainable parameters/)
  })

  it('uses the backend DIGIT_LAB_BACKEND forces, and says clearly when it names no backend', async () => {
    const cpu = await runTs('src/main/cli/train.ts', ['--preset', 'mlp', '--hidden', '8', '--limit-train', '200', '--limit-test', '50', '--db', db, '--json'], {
      DIGIT_LAB_BACKEND: 'cpu'
    })
    expect(cpu.code).toBe(0)
    expect(JSON.parse(cpu.stdout.trim().split('\n').at(-1)!).backend).toMatch(/^cpu /)
    const bad = await runTs('src/main/cli/train.ts', ['--preset', 'mlp', '--limit-train', '200', '--limit-test', '50', '--db', db], {
      DIGIT_LAB_BACKEND: 'gpu'
    })
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/failed: DIGIT_LAB_BACKEND must be one of node, wasm, cpu \(got "gpu"\)/)
  })

  it('rejects bad flags and values with one clear message and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['--epochs', 'three'], /^digit-lab: --epochs: Epochs must be a whole number \(got "three"\)\n$/],
      [['--lr', '', '--db', db], /^digit-lab: --lr: Learning rate is empty: enter a number\n$/],
      [['--lr=-0.5', '--db', db], /^digit-lab: Invalid settings: Learning rate must be greater than 0\n$/],
      [['--optimizer', 'adagrad', '--db', db], /^digit-lab: Invalid settings: Optimizer must be one of sgd, momentum, adam, rmsprop\n$/],
      [['--learning-rate', '0.1'], /^digit-lab: Unknown option '--learning-rate'/],
      [['--preset', 'resnet'], /^digit-lab: --preset must be seed-cnn or mlp \(got "resnet"\); custom layer lists are edited in the app\n$/],
      [['--dataset', join(dir, 'nowhere'), '--db', db], /^digit-lab: .*nowhere: is not a folder/]
    ]
    for (const [args, message] of cases) {
      const r = await train(...args)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
    const bad = await runs('show', '99', '--db', db)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('digit-lab: run 99 does not exist\n')
    expect((await runs('frobnicate')).stderr).toMatch(/unknown command "frobnicate"/)
  })
})
