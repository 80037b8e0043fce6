// npm run lesson -- list [--json]
// npm run lesson -- run ID [--json] [--db PATH] [--digits N]: runs the lesson's experiment (its
//   runs queued like any others, in the same database as the app's), then prints what the runs
//   found, read back from the store. --json ends with one line: the lesson, its runs, the finding.
import { formatDuration } from '@shared/format'
import { LESSONS, lessonById, type Lesson } from '@shared/lessons'
import type { LabEvent } from '@shared/run-types'
import { Lab } from '../lab/lab'
import { numberFlag, parseFlags, runCli, UsageError } from '../terminal/args'
import { plain } from '../terminal/text'

const USAGE = `usage: npm run lesson -- list [--json]
       npm run lesson -- run ID [--json] [--db PATH] [--digits N]
  run: queues the lesson's experiment, waits for its runs, and prints what they show.
  --digits N caps the lesson's training and test digits at N each (a quick look on a slow machine).`

const FLAGS = { json: { type: 'boolean' }, db: { type: 'string' }, digits: { type: 'string' }, help: { type: 'boolean' } } as const

const experimentSize = (l: Lesson) => l.experiment.axes?.reduce((n, a) => n * (a.values?.length ?? 1), 1) ?? 1

function list(json: boolean): number {
  if (json) {
    process.stdout.write(
      `${JSON.stringify(LESSONS.map((l) => ({ id: l.id, title: l.title, runs: experimentSize(l), question: l.question.prompt, choices: l.question.choices })))}\n`
    )
    return 0
  }
  const width = Math.max(...LESSONS.map((l) => l.id.length))
  LESSONS.forEach((l, i) =>
    process.stdout.write(`${String(i + 1).padStart(2)}. ${l.id.padEnd(width)}  ${l.title} (${experimentSize(l)} run${experimentSize(l) > 1 ? 's' : ''})\n`)
  )
  return 0
}

async function run(id: string, json: boolean, db: string | undefined, digits: number | undefined): Promise<number> {
  if (digits !== undefined && digits < 1) throw new UsageError(`--digits must be at least 1 (got ${digits})`)
  // Before the file is opened: a mistyped id creates no database.
  if (!lessonById(id)) throw new UsageError(`there is no lesson "${id}" (lessons: ${LESSONS.map((l) => l.id).join(', ')})`)
  // Its own experiment only: queued runs others left in the file are for the app to start.
  const lab = new Lab({ dbPath: db, adoptQueued: false, lessonDigits: digits })
  try {
    const started = performance.now()
    const { sweepId, runIds } = await lab.startLesson(id)
    const ids = new Set(runIds)
    let ended = 0
    if (!json) process.stderr.write(`lesson ${id}: ${runIds.length} run${runIds.length > 1 ? 's' : ''} queued (sweep ${sweepId}) in ${lab.dbPath}\n`)
    lab.subscribe((e: LabEvent) => {
      if (e.type !== 'finished' || !ids.has(e.runId) || json) return
      ended++
      const acc = e.finalTestAccuracy != null ? `, test accuracy ${(e.finalTestAccuracy * 100).toFixed(2)}%` : ''
      process.stderr.write(`  run ${e.runId} ${e.status}${acc} (${ended} of ${runIds.length}, ${formatDuration((performance.now() - started) / 1000)})\n`)
    })
    process.on('SIGINT', () => lab.cancelSweep(sweepId))
    for (const runId of runIds) await lab.waitForRun(runId)
    const { lesson, runs, finding } = lab.lessonFinding(id)
    const answer = finding && lesson.question.choices.filter((c) => finding.choices.includes(c.id)).map((c) => c.label)
    if (json) {
      process.stdout.write(
        `${JSON.stringify({
          type: 'lesson',
          lesson: { id: lesson.id, title: lesson.title, question: lesson.question.prompt },
          sweepId,
          runs: runs.map((r) => ({
            runId: r.run.id,
            name: r.run.name,
            status: r.run.status,
            testAccuracy: r.run.finalTestAccuracy,
            paramCount: r.run.paramCount,
            point: r.run.sweep?.point
          })),
          finding: finding && { choices: finding.choices, answer, evidence: finding.evidence }
        })}\n`
      )
    } else {
      process.stdout.write(`${lesson.title}\n`)
      for (const r of runs)
        process.stdout.write(
          `  run ${r.run.id}  ${plain(r.run.name)}  ${r.run.status}  ${r.run.finalTestAccuracy == null ? '-' : `${(r.run.finalTestAccuracy * 100).toFixed(2)}%`}\n`
        )
      process.stdout.write(`Q: ${lesson.question.prompt}\n`)
      process.stdout.write(
        finding ? `Found: ${answer!.join(' or ')}, since ${finding.evidence}.\n` : 'Found: nothing: the runs ended without what the question reads.\n'
      )
    }
    return finding ? 0 : 1
  } finally {
    await lab.close()
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), FLAGS)
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const [command, id, ...rest] = positionals
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`)
  if (command === 'list') {
    if (id !== undefined) throw new UsageError(`list takes no lesson id\n${USAGE}`)
    if (values.db !== undefined || values.digits !== undefined) throw new UsageError(`list reads no database: --db and --digits are for run\n${USAGE}`)
    return list(!!values.json)
  }
  if (command === 'run') {
    if (!id) throw new UsageError(`run needs a lesson id (one of ${LESSONS.map((l) => l.id).join(', ')})`)
    return run(id, !!values.json, values.db, numberFlag('digits', values.digits, true))
  }
  throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE)
}

void runCli(main)
