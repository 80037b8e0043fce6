// Builds better-sqlite3 for Electron's ABI into .electron-native/, leaving node_modules' Node
// build alone: tests, CLI and serve keep working from the same install. Needs Electron's
// headers (fetched by node-gyp from electronjs.org), so it runs on first `npm start`, and again
// whenever Electron or better-sqlite3 changed since (start.mjs compares built-for.json).
// Not @electron/rebuild: its 4.x needs Node 22, and 3.x depends on a GitHub tarball.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const target = require('electron/package.json').version
const source = dirname(require.resolve('better-sqlite3/package.json'))
const native = join(root, '.electron-native')
const work = join(native, 'build-src')

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
// Everything but the Node build: node-gyp writes the Electron one into the copy's own build/.
cpSync(source, work, { recursive: true, filter: (p) => p !== join(source, 'build') })
process.stdout.write(`Building better-sqlite3 for Electron ${target}...\n`)
const r = spawnSync(
  'npx',
  ['--yes', 'node-gyp@11', 'rebuild', '--release', '--runtime=electron', `--target=${target}`, '--dist-url=https://electronjs.org/headers'],
  {
    cwd: work,
    stdio: 'inherit'
  }
)
if (r.status !== 0) {
  process.stderr.write('Digit Lab: could not build better-sqlite3 for Electron (are Electron headers reachable?). npm run serve works without it.\n')
  process.exit(r.status ?? 1)
}
cpSync(join(work, 'build/Release/better_sqlite3.node'), join(native, 'better_sqlite3.node'))
// Written last: a build that stopped half-way is never taken for a current one.
writeFileSync(join(native, 'built-for.json'), JSON.stringify(builtFor(), null, 2) + '\n')
rmSync(work, { recursive: true, force: true })
process.stdout.write('Done: .electron-native/better_sqlite3.node\n')

function builtFor() {
  return { electron: target, betterSqlite3: require('better-sqlite3/package.json').version, platform: process.platform, arch: process.arch }
}
