// What `electron-vite build` produced (the global setup ran it): three bundles, a CommonJS
// sandbox-safe preload, and a training worker that runs from the bundle under plain Node.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { parseHyperparams } from '../../src/shared/fields'
import type { TrainEvent } from '../../src/shared/run-types'
import { ROOT } from '../helpers/node-child'
import { spawnSync } from 'node:child_process'

const out = (f: string) => join(ROOT, 'out', f)

describe('the build', () => {
  it('has the main, worker, preload and renderer bundles', () => {
    for (const f of ['main/index.js', 'main/train-worker.js', 'preload/index.cjs', 'renderer/index.html']) expect(existsSync(out(f)), f).toBe(true)
    const preload = readFileSync(out('preload/index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron'])
    expect(preload).toContain('exposeInMainWorld("lab"')
    expect(readFileSync(out('renderer/index.html'), 'utf8')).toMatch(/Content-Security-Policy" content="default-src 'self'; script-src 'self'/)
  })

  it("trains from the bundled worker, as the desktop app's main process starts it", async () => {
    const control = new SharedArrayBuffer(4)
    const hyperparams = parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, limitTrain: 300, limitTest: 100 })
    const worker = new Worker(out('main/train-worker.js'), { workerData: { runId: 7, hyperparams, control } })
    const events: TrainEvent[] = []
    const outcome = await new Promise<{ status: string }>((resolve, reject) => {
      worker.on('message', (m: { kind: string; event?: TrainEvent; outcome?: { status: string } }) => (m.kind === 'event' ? events.push(m.event!) : resolve(m.outcome!)))
      worker.on('error', reject)
    })
    await worker.terminate()
    expect(outcome.status).toBe('completed')
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(3)
    expect(events.at(-1)).toMatchObject({ type: 'finished', runId: 7, status: 'completed' })
  })

  it('npm start says plainly when the Electron binary is missing, and points to serve mode', () => {
    const r = spawnSync(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(ROOT, 'no-electron-here') } })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Electron's binary is not installed here/)
    expect(r.stderr).toMatch(/npm run serve/)
  })
})
