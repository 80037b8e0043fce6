// Exposes the contract as window.lab and nothing else: never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { EVENTS_CHANNEL, REQUEST_NAMES, requestChannel, type RequestName } from '@shared/channels'
import type { LabBridge, LabEventBatch, Reply } from '@shared/contract'

/**
 * A request's Reply envelope, as main sent it. Never a rejection: the contextBridge rebuilds an
 * error from its message alone, so a thrown kind would not reach the page. IPC's own failure
 * (main has no handler: it is closing) comes back as an envelope too, a failure.
 */
const invoke = async (name: RequestName, payload: unknown): Promise<Reply<unknown>> => {
  try {
    return (await ipcRenderer.invoke(requestChannel(name), payload)) as Reply<unknown>
  } catch (err) {
    return { ok: false, error: (err as Error).message, kind: 'failed' }
  }
}

const requests = Object.fromEntries(REQUEST_NAMES.map((name) => [name, (payload: unknown) => invoke(name, payload)])) as Omit<LabBridge, 'onEvents'>

const bridge: LabBridge = {
  ...requests,
  onEvents(listener, onOpen) {
    const wrapped = (_e: IpcRendererEvent, batch: LabEventBatch) => listener(batch)
    ipcRenderer.on(EVENTS_CHANNEL, wrapped)
    // IPC is open as soon as the listener is: nothing before this point reaches the page.
    onOpen?.()
    return () => ipcRenderer.removeListener(EVENTS_CHANNEL, wrapped)
  }
}

contextBridge.exposeInMainWorld('lab', bridge)
