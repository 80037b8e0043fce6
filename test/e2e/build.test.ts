// What `electron-vite build` produced (the global setup ran it): three bundles, a CommonJS
// sandbox-safe preload, a renderer the app:// protocol serves whole, and training and prediction
// workers that run from the bundle under plain Node.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../src/main/api/csp'
import { APP_ENTRY, createAppProtocolHandler } from '../../src/main/electron/app-protocol'
import { buildModel } from '../../src/main/lab/model/build'
import { exportArtifacts } from '../../src/main/lab/model/weights'
import type { FromPredictor, ToPredictor } from '../../src/main/lab/engine/predict-protocol'
import type { WorkerMessage } from '../../src/main/lab/training/train-protocol'
import type { DigitInside } from '../../src/shared/inside'
import { parseHyperparams } from '../../src/shared/fields'
import type { TrainEvent } from '../../src/shared/run-types'
import { ROOT } from '../helpers/node-child'
import { spawnSync } from 'node:child_process'

const out = (f: string) => join(ROOT, 'out', f)

describe('the build', () => {
  it('has the main, worker, preload and renderer bundles, and the lab engine beside them', () => {
    for (const f of ['main/index.js', 'main/train-worker.js', 'main/predict-worker.js', 'main/fastnet-helper.js', 'preload/index.cjs', 'renderer/index.html'])
      expect(existsSync(out(f)), f).toBe(true)
    for (const file of ['fastnet.wasm', 'fastnet-relaxed.wasm'])
      expect(readFileSync(out(`main/${file}`))).toEqual(readFileSync(join(ROOT, 'src/main/lab/fastnet', file)))
    const preload = readFileSync(out('preload/index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron'])
    expect(preload).toContain('exposeInMainWorld("lab"')
    expect(readFileSync(out('renderer/index.html'), 'utf8')).toMatch(/Content-Security-Policy"\s+content="default-src 'self'; script-src 'self'/)
  })

  it('main loads app://digit-lab and its preload from paths that exist beside its bundle', () => {
    const main = readFileSync(out('main/index.js'), 'utf8')
    expect(main).toContain('registerSchemesAsPrivileged')
    expect(main).toContain('"../preload/index.cjs"')
    expect(main).toContain('"../renderer"')
    expect(main).not.toContain('loadFile')
    expect(existsSync(join(out('main'), '../preload/index.cjs'))).toBe(true)
  })

  it('app:// serves the built page and every file it links, each with the CSP', async () => {
    // The handler main registers, on the folder main hands it (out/main/../renderer).
    const handle = createAppProtocolHandler(join(out('main'), '../renderer'))
    const page = await handle(new Request(APP_ENTRY))
    expect(page.status).toBe(200)
    const html = await page.text()
    const linked = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(linked.some((l) => l.endsWith('.js'))).toBe(true)
    expect(linked.some((l) => l.endsWith('.css'))).toBe(true)
    for (const link of linked) {
      // Resolved as the window resolves it: relative to app://digit-lab/index.html.
      const res = await handle(new Request(new URL(link, APP_ENTRY)))
      expect(res.status, link).toBe(200)
      expect(res.headers.get('content-security-policy'), link).toBe(CONTENT_SECURITY_POLICY)
      expect(res.headers.get('content-type'), link).not.toBe('application/octet-stream')
    }
    // The chunks the page imports later (the lazy views) are served too.
    const files = readdirSync(out('renderer'), { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(out('renderer'), f)).isFile())
    expect(files.length).toBeGreaterThan(linked.length)
    for (const f of files) expect((await handle(new Request(`app://digit-lab/${f.split('\\').join('/')}`))).status, f).toBe(200)
  })

  it("trains from the bundled worker, as the desktop app's main process starts it, on the lab engine's two threads", async () => {
    const control = new SharedArrayBuffer(4)
    const hyperparams = parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, limitTrain: 300, limitTest: 100 })
    // Two threads even on a one-core runner: the helper's entry must be found in the bundle too.
    const worker = new Worker(out('main/train-worker.js'), { workerData: { runId: 7, hyperparams, control }, env: { ...process.env, DIGIT_LAB_REPLICAS: '2' } })
    const events: TrainEvent[] = []
    const inside: string[] = []
    const outcome = await new Promise<{ status: string }>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'events') events.push(...m.events)
        else if (m.kind === 'inside') inside.push(m.event.type)
        else resolve(m.outcome)
      })
      worker.on('error', reject)
    })
    await worker.terminate()
    expect(outcome.status).toBe('completed')
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(3)
    // It records inside the network as it trains: step 1, the epoch's end (3 steps: before step 10) and its weights, then the embedding.
    expect(inside).toEqual(['inside', 'inside', 'weights', 'embedding'])
    // The bundle found fastnet.wasm and its helper thread's entry.
    expect(events.find((e) => e.type === 'started')).toMatchObject({ backend: { name: 'digit-lab-wasm', threads: 2 } })
    expect(events.at(-1)).toMatchObject({ type: 'finished', runId: 7, status: 'completed' })
  })

  it('predicts from the bundled prediction worker, which asks for the weights it has not cached', async () => {
    const { model } = buildModel(parseHyperparams({ architecture: { preset: 'mlp', hidden: [8] } }), { rows: 28, cols: 28, numClasses: 10 })
    const artifacts = await exportArtifacts(model)
    const worker = new Worker(out('main/predict-worker.js'))
    const heard: string[] = []
    const ask = (msg: ToPredictor) => worker.postMessage(msg)
    const answer = (id: number) =>
      new Promise<number[] | DigitInside>((resolve, reject) => {
        const onMessage = (m: FromPredictor) => {
          if (m.id !== id) return
          heard.push(m.kind)
          if (m.kind === 'need') return ask({ kind: 'weights', id, artifacts: { ...artifacts, weightData: artifacts.weightData.slice(0) } })
          worker.off('message', onMessage)
          if (m.kind === 'probs') resolve(m.probs)
          else if (m.kind === 'inside') resolve(m.inside)
          else reject(new Error(m.message))
        }
        worker.on('message', onMessage)
        worker.once('error', reject)
      })
    const first = answer(1)
    ask({ kind: 'predict', id: 1, runId: 3, pixels: Array(784).fill(0), norm: { mean: 0.1307, std: 0.3081 }, inside: false })
    const probs = (await first) as number[]
    const second = answer(2)
    ask({ kind: 'predict', id: 2, runId: 3, pixels: Array(784).fill(0), norm: { mean: 0.1307, std: 0.3081 }, inside: false })
    expect(await second).toEqual(probs)
    // The same digit looked inside: the bundled worker names each layer and gives its output.
    const third = answer(3)
    ask({ kind: 'predict', id: 3, runId: 3, pixels: Array(784).fill(0), norm: { mean: 0.1307, std: 0.3081 }, inside: true })
    const inside = (await third) as DigitInside
    await worker.terminate()
    expect(heard).toEqual(['need', 'probs', 'probs', 'inside']) // the second time, from its cache
    expect(inside.probs).toEqual(probs)
    expect(inside.layers.map((l) => [l.label, l.shape])).toEqual([
      ['dense 1 (8 units)', [8]],
      [`${parseHyperparams({}).activation} after dense 1 (8 units)`, [8]],
      ['dense 2 (10 units)', [10]]
    ])
    expect(probs).toHaveLength(10)
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
  })

  it('npm start says plainly when the Electron binary is missing, and points to serve mode', () => {
    const r = spawnSync(process.execPath, ['scripts/start.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(ROOT, 'no-electron-here') }
    })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Electron's binary is not installed here/)
    expect(r.stderr).toMatch(/npm run serve/)
  })
})
