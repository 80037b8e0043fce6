// The window's hardening, in one place: what it may load, navigate to, open or ask for.
import type { BrowserWindow, Session, WebContents } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../api/csp'

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

/** Only the app's own page may talk to main: the dev server's origin in development, file:// when built. */
export function isTrustedUrl(url: string | undefined, devServerUrl: string | undefined): boolean {
  if (!url) return false
  if (devServerUrl) return url.startsWith(new URL(devServerUrl).origin + '/')
  return url.startsWith('file://')
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
}

export function hardenContents(contents: WebContents, devServerUrl: string | undefined): void {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url, devServerUrl)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

export function hardenWindow(win: BrowserWindow, devServerUrl: string | undefined): void {
  hardenSession(win.webContents.session)
  hardenContents(win.webContents, devServerUrl)
}
