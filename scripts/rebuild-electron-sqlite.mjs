// Builds better-sqlite3 for Electron's ABI into .electron-native/, leaving node_modules' Node
// build alone: tests, CLI and serve keep working from the same install. Needs Electron's
// headers (fetched by node-gyp from electronjs.org), so it runs on first `npm start`.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const root = new URL('..', import.meta.url).pathname
const target = require('electron/package.json').version
const source = dirname(require.resolve('better-sqlite3/package.json'))
const work = join(root, '.electron-native/build-src')

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${source}/build`) })
process.stdout.write(`Building better-sqlite3 for Electron ${target}...\n`)
const r = spawnSync('npx', ['--yes', 'node-gyp@11', 'rebuild', '--release', '--runtime=electron', `--target=${target}`, '--dist-url=https://electronjs.org/headers'], {
  cwd: work,
  stdio: 'inherit'
})
if (r.status !== 0) {
  process.stderr.write('Digit Lab: could not build better-sqlite3 for Electron (are Electron headers reachable?). npm run serve works without it.\n')
  process.exit(r.status ?? 1)
}
cpSync(join(work, 'build/Release/better_sqlite3.node'), join(root, '.electron-native/better_sqlite3.node'))
rmSync(work, { recursive: true, force: true })
process.stdout.write('Done: .electron-native/better_sqlite3.node\n')
