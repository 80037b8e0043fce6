// npm run import -- FILE.safetensors [--model seed-cnn|mlp] [layer flags as in train] [--name NAME]
// [--dataset mnist|PATH] [--json] [--db PATH]: a state_dict trained in PyTorch becomes a run,
// evaluated on the dataset's test set and marked "trained in PyTorch".
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { Lab } from '../lab/lab'
import { parseFlags, runCli, UsageError } from '../terminal/args'
import { plain } from '../terminal/text'
import { hyperparamsFromFlags, TRAIN_FLAGS } from './train-flags'

/** A model at the lab's parameter limit is 80 MB of float32; a header adds little. */
const MAX_FILE_BYTES = 200_000_000

const USAGE = `usage: npm run import -- FILE.safetensors [--model seed-cnn|mlp] [--hidden 128,64] [--activation NAME] [--dropout X] [--name NAME] [--dataset mnist|PATH] [--limit-test N] [--json] [--db PATH]
  FILE.safetensors  a PyTorch state_dict: from safetensors.torch import save_file; save_file(network.state_dict(), "net.safetensors")
  --model           the layers the state_dict belongs to: seed-cnn (the course's Net, the default) or mlp (with --hidden); the other flags as in npm run train`

/** Only these settings describe a model to import; training's (optimizer, epochs, ...) mean nothing here. */
const IMPORT_FLAGS = ['preset', 'hidden', 'activation', 'dropout', 'name', 'dataset', 'limit-test', 'test-batch-size'] as const

function readFile(path: string): Uint8Array {
  const fd = openSync(path, 'r')
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new UsageError(`${path} is not a regular file: give a .safetensors file`)
    if (stat.size > MAX_FILE_BYTES) throw new UsageError(`${path} has ${stat.size.toLocaleString('en')} bytes, more than a model at the lab's parameter limit`)
    const bytes = new Uint8Array(stat.size)
    let at = 0
    while (at < bytes.byteLength) {
      const n = readSync(fd, bytes, at, bytes.byteLength - at, at)
      if (n === 0) break
      at += n
    }
    return bytes.subarray(0, at)
  } finally {
    closeSync(fd)
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), { ...TRAIN_FLAGS, model: { type: 'string' } })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const [file, extra] = positionals
  if (!file) throw new UsageError(`import needs a .safetensors file\n${USAGE}`)
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"\n${USAGE}`)
  const unused = Object.keys(values).filter((k) => !['model', 'db', 'json', 'help', ...IMPORT_FLAGS].includes(k))
  if (unused.length) throw new UsageError(`--${unused[0]} is a training setting; an import takes only --${[...IMPORT_FLAGS, 'model'].join(', --')}\n${USAGE}`)
  const flags = values as Record<string, string | boolean | undefined>
  if (values.model !== undefined && flags.preset !== undefined) throw new UsageError('give --model or --preset, not both')
  const hp = hyperparamsFromFlags({ ...flags, preset: values.model ?? flags.preset })
  const path = resolve(file)
  const bytes = readFile(path)
  const lab = new Lab({ dbPath: values.db, adoptQueued: false })
  try {
    const { runId } = await lab.importPytorch(bytes, hp, basename(path))
    const run = lab.getRun(runId)
    const count = run.confusion?.flat().reduce((a, b) => a + b, 0) ?? 0
    const correct = Math.round((run.finalTestAccuracy ?? 0) * count)
    if (values.json) {
      const summary = { type: 'imported', runId, name: run.name, testAccuracy: run.finalTestAccuracy, testLoss: run.finalTestLoss, db: lab.dbPath }
      process.stdout.write(`${JSON.stringify(summary)}\n`)
    } else {
      process.stdout.write(
        `${plain(`Run ${runId}: ${run.name}, trained in PyTorch (${run.paramCount?.toLocaleString('en')} parameters)`)}\n` +
          `Test set: Average loss: ${run.finalTestLoss?.toFixed(4)}, Accuracy: ${correct}/${count} (${((run.finalTestAccuracy ?? 0) * 100).toFixed(2)}%)\n` +
          `${plain(`Stored in ${lab.dbPath}`)}\n`
      )
    }
    return 0
  } finally {
    await lab.close()
  }
}

void runCli(main)
