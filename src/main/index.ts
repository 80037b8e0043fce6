// Electron main: one hardened window, the lab behind the contract over IPC. Thin on purpose:
// everything it calls also runs (and is tested) under plain Node.
import { app, BrowserWindow, ipcMain, protocol } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createDispatch } from './api/dispatch'
import { createLabHandlers } from './api/handlers'
import { APP_ENTRY, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './electron/app-protocol'
import { forwardEvents, registerLabIpc } from './electron/ipc'
import { electronNativeBinding } from './electron/native-binding'
import { hardenWindow, isTrustedUrl, WEB_PREFERENCES } from './electron/security'
import { Lab } from './lab/lab'

const here = fileURLToPath(new URL('.', import.meta.url))
const devServerUrl = process.env.ELECTRON_RENDERER_URL

// Privileges can only be given before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])
app.enableSandbox()

async function main(): Promise<void> {
  await app.whenReady()
  protocol.handle(APP_SCHEME, createAppProtocolHandler(join(here, '../renderer')))
  const lab = new Lab({ dbPath: Lab.dbPathIn(app.getPath('userData')), nativeBinding: electronNativeBinding(app.getAppPath()) })
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'Digit Lab',
    show: false,
    webPreferences: { ...WEB_PREFERENCES, preload: join(here, '../preload/index.cjs') }
  })
  hardenWindow(win, devServerUrl)
  const unregister = registerLabIpc(
    ipcMain,
    createDispatch(createLabHandlers(lab)),
    (e) => e.sender === win.webContents && isTrustedUrl(e.senderFrame?.url, devServerUrl)
  )
  const stopEvents = forwardEvents(
    (l) => lab.subscribe(l),
    (channel, batch) => {
      if (!win.isDestroyed()) win.webContents.send(channel, batch)
    }
  )
  win.once('ready-to-show', () => win.show())
  if (devServerUrl) await win.loadURL(devServerUrl)
  else await win.loadURL(APP_ENTRY)

  let labClosed = false
  const shutdown = async () => {
    stopEvents()
    unregister()
    await lab.close()
    labClosed = true
    app.quit()
  }
  app.on('window-all-closed', shutdown)
  // Quitting from the menu (Cmd+Q) skips window-all-closed: the lab still stores what its runs
  // produced, and saves a lost database file's contents, before the process goes.
  app.on('will-quit', (event) => {
    if (labClosed) return
    event.preventDefault()
    void shutdown()
  })
}

main().catch((err) => {
  console.error(err)
  app.exit(1)
})
