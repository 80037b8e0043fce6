// The lesson CLI as a teacher or a script uses it: real child processes, a real file, real
// (300-digit) training.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Lab } from '../../../../src/main/lab/lab'
import { LESSONS } from '../../../../src/shared/lessons'
import { runTs } from '../../../helpers/node-child'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const lesson = (...args: string[]) => runTs('src/main/cli/lesson.ts', args)

describe('npm run lesson', () => {
  it('lists the lessons in order, as text and as JSON', async () => {
    const text = await lesson('list')
    expect(text.code).toBe(0)
    expect(text.stdout.trim().split('\n')).toHaveLength(LESSONS.length)
    expect(text.stdout).toMatch(/^ 1\. net +The course's Net: one epoch \(1 run\)$/m)
    expect(text.stdout).toMatch(/^ 3\. activations +Six activations on an MLP \(6 runs\)$/m)
    const json = JSON.parse((await lesson('list', '--json')).stdout) as { id: string; runs: number; choices: unknown[] }[]
    expect(json.map((l) => l.id)).toEqual(LESSONS.map((l) => l.id))
  })

  it('runs a lesson and ends --json with one line: the lesson, its stored runs, the finding', async () => {
    const db = join(dir, 'cli.db')
    const r = await lesson('run', 'learning-rate', '--json', '--db', db, '--digits', '300')
    expect(r.code, r.stderr).toBe(0)
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      type: string
      lesson: { id: string }
      runs: { runId: number; status: string; testAccuracy: number | null; point: Record<string, string> }[]
      finding: { choices: string[]; answer: string[]; evidence: string }
    }
    expect(last.type).toBe('lesson')
    expect(last.lesson.id).toBe('learning-rate')
    expect(last.runs.map((x) => x.point.learningRate)).toEqual(['0.0005', '0.1', '5'])
    // The finding is the stored runs' own: the rate whose run tested best.
    const top = Math.max(...last.runs.map((x) => x.testAccuracy ?? 0))
    expect(last.finding.choices).toEqual(last.runs.filter((x) => (x.testAccuracy ?? 0) === top).map((x) => x.point.learningRate))
    // And the lab holds them as the lesson's progress, for the app to show.
    const lab = new Lab({ dbPath: db, readonly: true })
    try {
      expect(lab.courseProgress().lessons.find((p) => p.lessonId === 'learning-rate')!.runIds).toEqual(last.runs.map((x) => x.runId))
    } finally {
      await lab.close()
    }
  })

  it('refuses what it cannot do, saying what was wrong', async () => {
    const missing = await lesson('run', 'no-such', '--db', join(dir, 'bad.db'))
    expect(missing.code).toBe(2)
    expect(existsSync(join(dir, 'bad.db'))).toBe(false)
    expect(missing.stderr).toMatch(/^digit-lab: there is no lesson "no-such" \(lessons: net, softmax, activations/)
    const noId = await lesson('run')
    expect(noId.code).toBe(2)
    expect(noId.stderr).toMatch(/^digit-lab: run needs a lesson id \(one of net, /)
    const digits = await lesson('run', 'net', '--digits', '0', '--db', join(dir, 'bad.db'))
    expect([digits.code, digits.stderr]).toEqual([2, 'digit-lab: --digits must be at least 1 (got 0)\n'])
    const listDb = await lesson('list', '--db', 'x.db')
    expect(listDb.code).toBe(2)
  })
})
