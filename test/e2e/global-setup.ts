// The browser tests drive the built renderer, so build it once, fresh, before they run.
import { execFileSync } from 'node:child_process'
import { ROOT } from '../helpers/node-child'

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { cwd: ROOT, stdio: 'inherit' })
}
