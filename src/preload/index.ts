// Exposes the contract as window.lab and nothing else: never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { EVENTS_CHANNEL, REQUEST_NAMES, requestChannel } from '@shared/channels'
import type { LabApi, LabBridge, LabEventBatch, Reply } from '@shared/contract'

const invoke = async (name: (typeof REQUEST_NAMES)[number], payload: unknown) => {
  const reply = (await ipcRenderer.invoke(requestChannel(name), payload)) as Reply<unknown>
  if (!reply.ok) throw new Error(reply.error)
  return reply.value
}

const requests = Object.fromEntries(REQUEST_NAMES.map((name) => [name, (payload: unknown) => invoke(name, payload)])) as LabApi

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
