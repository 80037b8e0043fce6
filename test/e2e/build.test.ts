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
  it('has the main, worker, preload and renderer bundles, and the lab engine beside them', () => {
    for (const f of ['main/index.js', 'main/train-worker.js', 'main/fastnet-helper.js', 'preload/index.cjs', 'renderer/index.html']) expect(existsSync(out(f)), f).toBe(true)
    expect(readFileSync(out('main/fastnet.wasm'))).toEqual(readFileSync(join(ROOT, 'src/main/lab/fastnet/fastnet.wasm')))
    const preload = readFileSync(out('preload/index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron'])
    expect(preload).toContain('exposeInMainWorld("lab"')
    expect(readFileSync(out('renderer/index.html'), 'utf8')).toMatch(/Content-Security-Policy" content="default-src 'self'; script-src 'self'/)
  })

  it("trains from the bundled worker, as the desktop app's main process starts it, on the lab engine's two threads", async () => {
    const control = new SharedArrayBuffer(4)
    const hyperparams = parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, limitTrain: 300, limitTest: 100 })
    // Two threads even on a one-core runner: the helper's entry must be found in the bundle too.
    const worker = new Worker(out('main/train-worker.js'), { workerData: { runId: 7, hyperparams, control }, env: { ...process.env, DIGIT_LAB_REPLICAS: '2' } })
    const events: TrainEvent[] = []
    const outcome = await new Promise<{ status: string }>((resolve, reject) => {
      worker.on('message', (m: { kind: string; event?: TrainEvent; outcome?: { status: string } }) => (m.kind === 'event' ? events.push(m.event!) : resolve(m.outcome!)))
      worker.on('error', reject)
    })
    await worker.terminate()
    expect(outcome.status).toBe('completed')
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(3)
    // The bundle found fastnet.wasm and its helper thread's entry.
    expect(events.find((e) => e.type === 'started')).toMatchObject({ backend: { name: 'digit-lab-wasm', threads: 2 } })
    expect(events.at(-1)).toMatchObject({ type: 'finished', runId: 7, status: 'completed' })
  })

  it('npm start says plainly when the Electron binary is missing, and points to serve mode', () => {
    const r = spawnSync(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(ROOT, 'no-electron-here') } })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Electron's binary is not installed here/)
    expect(r.stderr).toMatch(/npm run serve/)
  })
})
