// The contract over Electron IPC: one ipcMain handler per request, senders checked, payloads
// validated by the shared dispatch; events pushed coalesced to the window.
import type { IpcMain, IpcMainInvokeEvent } from 'electron'
import { EVENTS_CHANNEL, REQUEST_NAMES, requestChannel } from '@shared/channels'
import type { LabEventBatch, Reply } from '@shared/contract'
import type { LabEvent } from '@shared/run-types'
import { coalesce } from '../api/coalesce'
import type { Dispatch } from '../api/dispatch'

export function registerLabIpc(ipcMain: IpcMain, dispatch: Dispatch, isTrustedSender: (e: IpcMainInvokeEvent) => boolean): () => void {
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(requestChannel(name), async (event, payload: unknown): Promise<Reply<unknown>> => {
      if (!isTrustedSender(event)) return { ok: false, error: 'request refused: it did not come from the Digit Lab window', kind: 'invalid' }
      return dispatch(name, payload)
    })
  }
  return () => REQUEST_NAMES.forEach((name) => ipcMain.removeHandler(requestChannel(name)))
}

export function forwardEvents(subscribe: (l: (e: LabEvent) => void) => () => void, send: (channel: string, batch: LabEventBatch) => void): () => void {
  const events = coalesce((batch) => send(EVENTS_CHANNEL, batch))
  const unsubscribe = subscribe((e) => events.push(e))
  return () => {
    unsubscribe()
    events.close()
  }
}
