// Sweeps end to end: the CLI's 2x2 grid on MNIST subsets, its runs found by sweep, a sweep's queue
// surviving a restart of the lab (same file, a new Lab as a restarted process makes), and cancel.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDispatch } from '../../../../src/main/api/dispatch'
import { createLabHandlers } from '../../../../src/main/api/handlers'
import { Lab } from '../../../../src/main/lab/lab'
import type { SweepSpec } from '../../../../src/shared/sweep'
import { runTs, spawnTs } from '../../../helpers/node-child'
import { waitFor } from '../../../helpers/wait'
import { nextRunEvent } from '../../../helpers/row-events'
import { tempDir } from '../../../helpers/tmp'
import { HUGE_AXES, HUGE_REFUSAL } from '../../../helpers/huge-sweep'
import { callLab, serve } from '../../../helpers/serve'
import { FIELD } from '../../../../src/shared/fields'

const dir = tempDir()
const tiny = { architecture: { preset: 'mlp' as const, hidden: [16] }, epochs: 1, limitTrain: 300, limitTest: 100, batchSize: 20 }

describe('sweeps', () => {
  it('the CLI runs a 2x2 grid, names its runs in one JSON line, and runs list finds them by sweep', async () => {
    const db = join(dir, 'cli.db')
    const r = await runTs('src/main/cli/sweep.ts', [
      '--preset',
      'mlp',
      '--hidden',
      '16',
      '--lr',
      '0.01,0.1',
      '--activation',
      'relu,tanh',
      '--epochs',
      '1',
      '--limit-train',
      '300',
      '--limit-test',
      '100',
      '--db',
      db,
      '--json'
    ])
    expect(r.code, r.stderr).toBe(0)
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(line).toMatchObject({ type: 'sweep', sweepId: 1, runIds: [1, 2, 3, 4], counts: { completed: 4 } })
    expect(line.runIds).toContain(line.best.runId)
    expect(line.ranked.map((x: { point: object }) => x.point)).toEqual(
      expect.arrayContaining([
        { learningRate: '0.01', activation: 'relu' },
        { learningRate: '0.01', activation: 'tanh' },
        { learningRate: '0.1', activation: 'relu' },
        { learningRate: '0.1', activation: 'tanh' }
      ])
    )
    const ranked = line.ranked.map((x: { testAccuracy: number }) => x.testAccuracy)
    expect(ranked).toEqual([...ranked].sort((a, b) => b - a))
    // Read as a whole: each setting's per-value means over the runs behind them, and the setting whose means spread most.
    type Row = { point: Record<string, string>; testAccuracy: number; runId: number }
    const meanOf = (key: string, value: string) => {
      const behind = (line.ranked as Row[]).filter((x) => x.point[key] === value)
      return { mean: behind.reduce((a, x) => a + x.testAccuracy, 0) / behind.length, runIds: behind.map((x) => x.runId).sort() }
    }
    const spreads: Record<string, number> = {}
    for (const [key, values] of [
      ['learningRate', ['0.01', '0.1']],
      ['activation', ['relu', 'tanh']]
    ] as const) {
      const axis = line.reading.axes.find((a: { key: string }) => a.key === key)
      for (const [i, v] of values.entries()) {
        expect(axis.values[i].value).toBe(v)
        expect(axis.values[i].mean).toBeCloseTo(meanOf(key, v).mean, 12)
        expect([...axis.values[i].runIds].sort()).toEqual(meanOf(key, v).runIds)
      }
      spreads[key] = Math.abs(meanOf(key, values[0]).mean - meanOf(key, values[1]).mean)
      expect(axis.spread).toBeCloseTo(spreads[key], 12)
    }
    const strongest = spreads.learningRate >= spreads.activation ? 'learningRate' : 'activation'
    // Beyond the noise of 100 test digits (twice the binomial error at the best accuracy), or said to be within it.
    const best = Math.max(...ranked)
    const floor = 2 * Math.sqrt((best * (1 - best)) / 100)
    if (spreads[strongest] >= floor) {
      expect(line.reading.strongest).toBe(strongest)
      expect(line.reading.message).toMatch(
        new RegExp(`^${strongest === 'learningRate' ? 'Learning rate' : 'Activation'} moved test accuracy most: from .* between the means of 4 runs; `)
      )
    } else {
      expect(line.reading.strongest).toBeNull()
      expect(line.reading.message).toMatch(
        /^No setting moved test accuracy beyond noise: the largest spread, .* within the \d+\.\d points that 100 test digits measure to\.$/
      )
    }
    const listed = await runTs('src/main/cli/runs.ts', ['list', '--sweep', '1', '--json', '--db', db])
    expect(
      JSON.parse(listed.stdout)
        .map((x: { id: number }) => x.id)
        .sort()
    ).toEqual([1, 2, 3, 4])
    const human = await runTs('src/main/cli/runs.ts', ['list', '--sweep', '1', '--db', db])
    expect(human.stdout.trim().split('\n')).toHaveLength(4)
    const missing = await runTs('src/main/cli/runs.ts', ['list', '--sweep', '9', '--db', db])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toBe('digit-lab: sweep 9 does not exist\n')
  })

  it("keeps a sweep's queue in the file: a new lab on it starts the rest, in order", async () => {
    const path = join(dir, 'restart.db')
    const spec: SweepSpec = { base: tiny, axes: [{ key: 'learningRate', values: ['0.01', '0.03', '0.1'] }], mode: 'grid', repeat: 1, seed: 1 }
    const first = new Lab({ dbPath: path, maxRuns: 1 })
    const running = nextRunEvent(first, 'the first run of the sweep running', (r) => r.status === 'running')
    const { sweepId, runIds } = await first.startSweep(spec)
    expect((await running).id).toBe(runIds[0])
    expect(first.getSweep(sweepId).sweep.counts).toEqual({ running: 1, queued: 2 })
    // Closing stops what trains and leaves the queue in the file, as a quitting app does.
    await first.close()

    const second = new Lab({ dbPath: path, maxRuns: 1 })
    try {
      const order: number[] = []
      second.subscribe((e) => {
        if (e.type === 'run' && e.run.status === 'running') order.push(e.run.id)
      })
      for (const id of runIds.slice(1)) expect(await second.waitForRun(id)).toEqual({ status: 'completed', error: null })
      expect(order).toEqual(runIds.slice(1))
      const { sweep, runs } = second.getSweep(sweepId)
      expect(sweep).toMatchObject({ total: 3, done: 3, counts: { stopped: 1, completed: 2 }, cancelled: false })
      expect(runs.map((r) => r.sweep?.point.learningRate).sort()).toEqual(['0.01', '0.03', '0.1'])
    } finally {
      await second.close()
    }
  })

  it('survives its process being killed: the next lab on the file marks the run that was training interrupted and trains the rest', async () => {
    const db = join(dir, 'killed.db')
    const child = spawnTs(
      'src/main/cli/sweep.ts',
      [
        '--preset',
        'mlp',
        '--hidden',
        '16',
        '--seed',
        '1,2,3',
        '--epochs',
        '200',
        '--batch-size',
        '10',
        '--limit-train',
        '300',
        '--limit-test',
        '100',
        '--db',
        db
      ],
      { DIGIT_LAB_MAX_RUNS: '1' }
    )
    let err = ''
    child.stderr!.on('data', (d) => (err += d))
    // The sweep's first run is training once the CLI has queued the sweep and a batch is stored.
    await waitFor(
      'the sweep CLI to train its first run',
      () => {
        if (child.exitCode != null) throw new Error(`the sweep CLI exited early (${child.exitCode}): ${err}`)
        let reader: Lab | null = null
        try {
          reader = new Lab({ dbPath: db, readonly: true })
          return reader.listRuns().some((r) => r.status === 'running') && reader.runMetrics(1).batches.length > 0
        } catch {
          return false // the file is still being created
        } finally {
          void reader?.close()
        }
      },
      { timeoutMs: 60_000, everyMs: 100 }
    )
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))

    // A new process opens the file: here, a lab in the test process, as the desktop app or serve would be.
    const next = new Lab({ dbPath: db, maxRuns: 1 })
    const started: number[] = []
    next.subscribe((e) => {
      if (e.type === 'run' && e.run.status === 'running' && !started.includes(e.run.id)) started.push(e.run.id)
    })
    try {
      expect(next.getRun(1).status).toBe('interrupted')
      // The rest was queued by the dead process: this lab takes them over and trains them. Each is
      // stopped once running (200 epochs): what matters is that they start, in order.
      for (const id of [2, 3]) {
        await waitFor(`run ${id} to start`, () => started.includes(id))
        next.stopRun(id)
        expect((await next.waitForRun(id)).status).toBe('stopped')
      }
      expect(started).toEqual([2, 3])
      expect(next.getSweep(1).sweep).toMatchObject({ total: 3, done: 3, counts: { interrupted: 1, stopped: 2 } })
    } finally {
      await next.close()
    }
  })

  it('cancel drops the queued runs and stops the one training; what ended stays', async () => {
    const lab = new Lab({ dbPath: join(dir, 'cancel.db'), maxRuns: 1 })
    try {
      const running = nextRunEvent(lab, 'the first run running', (r) => r.status === 'running')
      const { sweepId, runIds } = await lab.startSweep({
        base: { ...tiny, epochs: 50 },
        axes: [{ key: 'seed', values: ['1', '2', '3', '4'] }],
        mode: 'grid',
        repeat: 1,
        seed: 1
      })
      await running
      const summary = lab.cancelSweep(sweepId)
      expect(summary.cancelled).toBe(true)
      for (const id of runIds) expect((await lab.waitForRun(id)).status).toBe('stopped')
      expect(lab.getSweep(sweepId).sweep).toMatchObject({ total: 4, done: 4, counts: { stopped: 4 } })
    } finally {
      await lab.close()
    }
  })

  it('refuses a bad sweep before queuing anything, in plain words', async () => {
    const lab = new Lab({ dbPath: join(dir, 'bad.db') })
    try {
      const dispatch = createDispatch(createLabHandlers(lab))
      expect(await dispatch('startSweep', { axes: [{ key: 'speed', values: ['1'] }] })).toMatchObject({
        ok: false,
        kind: 'invalid',
        error: expect.stringMatching(/^Invalid startSweep request: axes\.0\.key must be one of name, preset/)
      })
      expect(await dispatch('startSweep', { base: tiny, axes: [{ key: 'learningRate', values: ['0.01', 'lots'] }] })).toEqual({
        ok: false,
        kind: 'invalid',
        error: 'Learning rate must be a number (got "lots")'
      })
      expect(lab.listRuns()).toEqual([])
      expect(lab.listSweeps()).toEqual([])
    } finally {
      await lab.close()
    }
  })

  it('refuses a grid of 50^8 runs by counting, over dispatch (IPC), HTTP and the CLI, with memory flat', async () => {
    const lab = new Lab({ dbPath: join(dir, 'huge.db') })
    try {
      const dispatch = createDispatch(createLabHandlers(lab))
      const heap = process.memoryUsage().heapUsed
      expect(await dispatch('startSweep', { base: tiny, axes: HUGE_AXES })).toEqual({ ok: false, kind: 'invalid', error: HUGE_REFUSAL })
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(20e6)
      expect(lab.listSweeps()).toEqual([])
    } finally {
      await lab.close()
    }

    const s = await serve(join(dir, 'huge-serve.db'))
    try {
      const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))![1]) * 1024
      const before = rss()
      await expect(callLab(s, 'startSweep', { base: tiny, axes: HUGE_AXES })).rejects.toThrow(HUGE_REFUSAL)
      // Serve is still there, answering, and no bigger than a request's worth.
      expect(await callLab(s, 'listRuns')).toEqual([])
      expect(rss() - before).toBeLessThan(50e6)
    } finally {
      await s.stop()
    }

    const flags = HUGE_AXES.flatMap((a) => [`--${FIELD[a.key].flag}`, a.values!.join(',')])
    const cli = await runTs('src/main/cli/sweep.ts', [...flags, '--db', join(dir, 'huge-cli.db')])
    expect(cli.code).toBe(1)
    expect(cli.stderr).toBe(`digit-lab: ${HUGE_REFUSAL}\n`)
  })
})
