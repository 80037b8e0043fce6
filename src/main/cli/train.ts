// npm run train -- [flags]: trains one run in a worker, stores it, and reports like the course's loop.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { LabEvent } from '@shared/run-types'
import { Lab } from '../lab/lab'
import { parseFlags, runCli, UsageError } from '../terminal/args'
import { hintLines } from '../terminal/hints'
import { plain } from '../terminal/text'
import { ProgressBar } from './progress'
import { hyperparamsFromFlags, TRAIN_FLAGS, trainUsage } from './train-flags'

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), TRAIN_FLAGS)
  if (values.help) {
    process.stdout.write(`${trainUsage()}\n`)
    return 0
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"\n${trainUsage()}`)
  const hp = hyperparamsFromFlags(values)
  const json = !!values.json
  // It trains its own run and exits: queued runs others left in the file are for the app to start.
  const rescueTo = typeof values['rescue-to'] === 'string' ? resolve(values['rescue-to']) : undefined
  if (rescueTo && (!rescueTo.endsWith('.db') || existsSync(rescueTo)))
    throw new UsageError(`--rescue-to takes a new file ending in .db (got "${values['rescue-to']}"${existsSync(rescueTo) ? ', which exists' : ''})`)
  const lab = new Lab({ dbPath: values.db, adoptQueued: false, rescueTo })
  const bar = new ProgressBar(process.stderr)
  bar.exampleScale = hp.batchSize
  let totalSteps = 0
  let testCount = 0
  let backendName = ''
  let lastConfusion: number[][] | null = null
  let lastAccuracy: number | null = null
  let lastSaid = ''
  const onEvent = (e: LabEvent) => {
    switch (e.type) {
      case 'store':
        bar.clear()
        // Said once per change of what is wrong: the same failure, still retried, is not news.
        if (`${e.error}|${e.retrying}` === lastSaid) break
        if (!e.error) {
          if (lastSaid) process.stderr.write('database writable again\n')
        } else
          process.stderr.write(`warning: ${e.error}; ${e.retrying ? 'retrying, what is not written yet is kept' : 'what could not be written was given up'}\n`)
        lastSaid = e.error ? `${e.error}|${e.retrying}` : ''
        break
      case 'started':
        totalSteps = e.totalSteps
        backendName = `${e.backend.name} ${e.backend.version}, ${e.backend.threads} thread(s)${e.backend.note ? ` (${e.backend.note})` : ''}`
        if (!json) process.stderr.write(`Run ${e.runId} on ${backendName}: ${e.paramCount} trainable parameters, ${e.totalSteps} steps\n`)
        break
      case 'batch':
        if (!json)
          bar.update(
            e.metric.step,
            totalSteps,
            `epoch ${e.metric.epoch} step ${e.metric.step}/${totalSteps} loss ${e.metric.loss.toFixed(4)}`,
            e.metric.examplesPerSec
          )
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
  const { runId } = await lab.startRun(hp)
  let interrupts = 0
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130)
    process.stderr.write('\nStopping after this batch (Ctrl-C again to quit at once)...\n')
    lab.stopRun(runId)
  })
  const { status, error } = await lab.waitForRun(runId)
  bar.clear()
  const { hints, followUp } = lab.getRun(runId)
  // Closing saves a lost file's contents beside it: only then is it known where the run is stored.
  await lab.close()
  const { fileLost, rescuedTo } = lab.storeHealth()
  const db = fileLost ? rescuedTo : lab.dbPath
  const summary = {
    type: 'summary',
    runId,
    status,
    error,
    backend: backendName,
    testAccuracy: lastAccuracy,
    confusion: lastConfusion,
    hints,
    followUp,
    db,
    fileLost
  }
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`)
  else {
    const where = !fileLost
      ? `Stored in ${db}`
      : rescuedTo
        ? `${fileLost}; everything it held was saved to ${rescuedTo}`
        : `${fileLost}; what it held could not be saved`
    process.stdout.write(`${plain(`Run ${runId} ${status}${error ? `: ${error}` : ''}. ${where}`)}\n`)
    for (const line of hintLines(hints, '', followUp)) process.stdout.write(`${plain(line)}\n`)
  }
  if (fileLost && !rescuedTo) return 1
  return status === 'completed' || status === 'stopped' ? 0 : 1
}

void runCli(main)
