// Builds the renderer (electron-vite build) when out/ is missing or older than the sources,
// so `npm run serve` works straight after `npm ci`.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0)
const built = join(root, 'out/renderer/index.html')
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src/renderer')), newest(join(root, 'src/shared')))) {
  process.stderr.write('Building the app (first run, or sources changed)...\n')
  const r = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
