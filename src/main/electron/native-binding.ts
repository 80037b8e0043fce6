// better-sqlite3 must match the ABI of the runtime that loads it. node_modules holds the Node
// build (tests, CLI, serve); Electron uses its own build kept beside it, made by
// `npm run rebuild:electron`, so one install serves both.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const ELECTRON_NATIVE_DIR = '.electron-native'

export function electronNativeBinding(appRoot: string): string | undefined {
  const file = join(appRoot, ELECTRON_NATIVE_DIR, 'better_sqlite3.node')
  return existsSync(file) ? file : undefined
}
