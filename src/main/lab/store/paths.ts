// The database lives where Electron's app.getPath('userData') points for "Digit Lab", so the
// CLI, serve mode and the desktop app share one history by default.
import { homedir } from 'node:os'
import { join } from 'node:path'

export const APP_NAME = 'Digit Lab'
export const DB_FILE = 'digit-lab.db'

export function userDataDir(platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME)
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME)
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_NAME)
}

export function defaultDbPath(env = process.env): string {
  return env.DIGIT_LAB_DB || join(userDataDir(), DB_FILE)
}
