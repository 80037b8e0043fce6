// Builds the app (electron-vite build) when out/ is missing or older than the sources, so
// `npm run serve` and `npm start` work straight after `npm ci`.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'

const root = fileURLToPath(new URL('..', import.meta.url))
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0)
// The workers' bundles are the ones the build makes from the lab's list of worker entries.
const { WORKER_ENTRIES } = await tsImport('../src/main/lab/engine/worker-entries.ts', import.meta.url)
const workers = Object.values(WORKER_ENTRIES).map(({ bundle }) => `out/main/${bundle}`)
const outputs = ['out/main/index.js', ...workers, 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) => join(root, f))
const oldest = Math.min(...outputs.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)))
if (oldest < newest(join(root, 'src'))) {
  process.stderr.write('Building the app (first run, or sources changed)...\n')
  const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
