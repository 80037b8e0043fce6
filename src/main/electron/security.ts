// The window's hardening, in one place: what it may load, navigate to, open or ask for.
import type { BrowserWindow, Session, WebContents } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../api/csp'
import { isAppUrl } from './app-protocol'

export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false
} as const

/**
 * Only the app's own page may talk to main or be navigated to: app://digit-lab when built, the
 * dev server's origin in development. Never file://, whose origin is every file on the disk.
 */
export function isTrustedUrl(url: string | undefined, devServerUrl: string | undefined): boolean {
  let parsed: URL
  try {
    parsed = new URL(url ?? '')
  } catch {
    return false
  }
  if (devServerUrl) return parsed.origin === new URL(devServerUrl).origin
  return isAppUrl(parsed)
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  // Responses of app:// carry the CSP themselves; this adds it to the dev server's too.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
}

export function hardenContents(contents: WebContents, devServerUrl: string | undefined): void {
  // will-frame-navigate rather than will-navigate: it covers subframes as well as the main frame.
  contents.on('will-frame-navigate', (event) => {
    if (!isTrustedUrl(event.url, devServerUrl)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

export function hardenWindow(win: BrowserWindow, devServerUrl: string | undefined): void {
  hardenSession(win.webContents.session)
  hardenContents(win.webContents, devServerUrl)
}
