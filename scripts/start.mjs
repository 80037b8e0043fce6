// npm start: launch the desktop app, building first when the sources are newer than the build.
// Where Electron's binary is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or no
// network at install time) it says so and points to serve mode, which runs the same app.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))

function electronBinary() {
  try {
    const path = require('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}

const electron = electronBinary()
if (!electron) {
  process.stderr.write(
    [
      "Digit Lab: Electron's binary is not installed here, so the desktop window cannot open.",
      '  It is downloaded when npm installs the "electron" package; this install skipped it',
      '  (ELECTRON_SKIP_BINARY_DOWNLOAD=1) or had no network.',
      '  The same lab runs in your browser:  npm run serve',
      ''
    ].join('\n')
  )
  process.exit(1)
}

const build = spawnSync(process.execPath, [join(root, 'scripts/ensure-build.mjs')], { stdio: 'inherit', cwd: root })
if (build.status !== 0) process.exit(build.status ?? 1)
if (!nativeBuildIsCurrent()) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/rebuild-electron-sqlite.mjs')], { stdio: 'inherit', cwd: root })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
const child = spawn(electron, [root], { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 0))

/**
 * The Electron build of better-sqlite3 is used only if it was made for this Electron and this
 * better-sqlite3: one made for another ABI (after an Electron upgrade) fails to load in main.
 */
function nativeBuildIsCurrent() {
  const dir = join(root, '.electron-native')
  if (!existsSync(join(dir, 'better_sqlite3.node'))) return false
  try {
    const built = JSON.parse(readFileSync(join(dir, 'built-for.json'), 'utf8'))
    const wanted = {
      electron: require('electron/package.json').version,
      betterSqlite3: require('better-sqlite3/package.json').version,
      platform: process.platform,
      arch: process.arch
    }
    return Object.entries(wanted).every(([k, v]) => built[k] === v)
  } catch {
    return false // no record (a build from before it was kept): build again
  }
}
