// npm run train -- [flags]: trains one run in a worker, stores it, and reports like the course's loop.
import { ACTIVATIONS, OPTIMIZERS, parseHyperparams, type HyperparamsInput } from '../../shared/hyperparams'
import type { LabEvent } from '../../shared/run-types'
import { Lab } from '../lab/lab'
import { numberFlag, parseFlags, runCli, UsageError } from './args'
import { ProgressBar } from './progress'

const USAGE = `usage: npm run train -- [--preset seed-cnn|mlp] [--hidden 128,64] [--epochs N] [--lr X]
  [--optimizer ${OPTIMIZERS.join('|')}] [--activation ${ACTIVATIONS.join('|')}]
  [--batch-size N] [--test-batch-size N] [--dropout X] [--seed N] [--name TEXT]
  [--dataset mnist|PATH] [--db PATH] [--limit-train N] [--limit-test N] [--json]`

const FLAGS = {
  preset: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  activation: { type: 'string' },
  'batch-size': { type: 'string' },
  'test-batch-size': { type: 'string' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  name: { type: 'string' },
  dataset: { type: 'string' },
  db: { type: 'string' },
  'limit-train': { type: 'string' },
  'limit-test': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' }
} as const

export function hyperparamsFromFlags(values: Record<string, string | boolean | undefined>): HyperparamsInput {
  const s = (k: string) => values[k] as string | undefined
  const preset = s('preset')
  if (preset !== undefined && preset !== 'seed-cnn' && preset !== 'mlp') throw new UsageError(`--preset must be seed-cnn or mlp (got "${preset}")`)
  if (s('hidden') !== undefined && preset !== 'mlp') throw new UsageError('--hidden only applies to --preset mlp')
  const hidden = s('hidden')
    ?.split(',')
    .map((h) => numberFlag('hidden', h, true) as number)
  return {
    name: s('name'),
    architecture: preset === 'mlp' ? { preset: 'mlp', ...(hidden ? { hidden } : {}) } : preset ? { preset } : undefined,
    activation: s('activation'),
    optimizer: s('optimizer'),
    learningRate: numberFlag('lr', s('lr')),
    batchSize: numberFlag('batch-size', s('batch-size'), true),
    testBatchSize: numberFlag('test-batch-size', s('test-batch-size'), true),
    epochs: numberFlag('epochs', s('epochs'), true),
    dropout: numberFlag('dropout', s('dropout')),
    seed: numberFlag('seed', s('seed'), true),
    dataset: s('dataset'),
    limitTrain: numberFlag('limit-train', s('limit-train'), true),
    limitTest: numberFlag('limit-test', s('limit-test'), true)
  } as HyperparamsInput
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), FLAGS)
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\n${USAGE}`)
  const hp = parseHyperparams(hyperparamsFromFlags(values))
  const json = !!values.json
  const lab = new Lab({ dbPath: values.db })
  const bar = new ProgressBar(process.stderr)
  bar.exampleScale = hp.batchSize
  let totalSteps = 0
  let testCount = 0
  let backendName = ''
  let lastConfusion: number[][] | null = null
  let lastAccuracy: number | null = null
  const onEvent = (e: LabEvent) => {
    switch (e.type) {
      case 'store':
        bar.clear()
        process.stderr.write(e.error ? `warning: ${e.error}; retrying, nothing is lost\n` : 'database writable again\n')
        break
      case 'started':
        totalSteps = e.totalSteps
        backendName = `${e.backend.name} ${e.backend.version}, ${e.backend.threads} thread(s)${e.backend.note ? ` (${e.backend.note})` : ''}`
        if (!json) process.stderr.write(`Run ${e.runId} on ${backendName}: ${e.paramCount} trainable parameters, ${e.totalSteps} steps\n`)
        break
      case 'batch':
        if (!json) bar.update(e.metric.step, totalSteps, `epoch ${e.metric.epoch} step ${e.metric.step}/${totalSteps} loss ${e.metric.loss.toFixed(4)}`, e.metric.examplesPerSec)
        break
      case 'epoch': {
        lastConfusion = e.confusion
        lastAccuracy = e.metric.testAccuracy
        testCount = e.confusion.flat().reduce((a, b) => a + b, 0)
        const correct = Math.round(e.metric.testAccuracy * testCount)
        if (json) process.stdout.write(`${JSON.stringify({ type: 'epoch', runId: e.runId, ...e.metric })}\n`)
        else {
          bar.clear()
          process.stdout.write(
            `Epoch ${e.metric.epoch}: train loss ${e.metric.trainLoss.toFixed(4)} (${e.metric.seconds.toFixed(1)} s)\n` +
              `Test set: Average loss: ${e.metric.testLoss.toFixed(4)}, Accuracy: ${correct}/${testCount} (${(e.metric.testAccuracy * 100).toFixed(0)}%)\n`
          )
        }
        break
      }
    }
  }
  lab.subscribe(onEvent)
  const { runId } = lab.startRun(hp)
  let interrupts = 0
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130)
    process.stderr.write('\nStopping after this batch (Ctrl-C again to quit at once)...\n')
    lab.stopRun(runId)
  })
  const { status, error } = await lab.waitForRun(runId)
  bar.clear()
  const summary = { type: 'summary', runId, status, error, backend: backendName, testAccuracy: lastAccuracy, confusion: lastConfusion, db: lab.store.path }
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`)
  else process.stdout.write(`Run ${runId} ${status}${error ? `: ${error}` : ''}. Stored in ${lab.store.path}\n`)
  await lab.close()
  return status === 'completed' || status === 'stopped' ? 0 : 1
}

void runCli(main)
