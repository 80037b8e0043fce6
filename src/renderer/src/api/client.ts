// The renderer's one way to reach the lab: window.lab (Electron preload) when present,
// otherwise HTTP + WebSocket to serve mode. Both speak the shared contract.
import { EVENTS_PATH, EVENTS_PROTOCOL, REQUEST_NAMES, requestPath, TOKEN_HEADER, tokenProtocol, type RequestName } from '@shared/channels'
import { BYTES_REPLY_TYPE, decodeBytesReply } from '@shared/bytes-reply'
import type { LabApi, LabBridge, LabEventBatch, Reply } from '@shared/contract'
import { SERVE_TOKEN } from './token'

export type LabClient = LabBridge & { transport: 'ipc' | 'http' }

declare global {
  interface Window {
    lab?: LabBridge
  }
}

function httpClient(): LabClient {
  const token = SERVE_TOKEN
  const call = async (name: RequestName, payload: unknown) => {
    const res = await fetch(requestPath(name), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: JSON.stringify(payload ?? {})
    })
    let reply: Reply<unknown>
    try {
      // A model's weights come as bytes (see bytes-reply.ts); everything else as JSON.
      reply = res.headers.get('content-type') === BYTES_REPLY_TYPE ? decodeBytesReply(new Uint8Array(await res.arrayBuffer())) : ((await res.json()) as Reply<unknown>)
    } catch {
      throw new Error(`${name}: the lab answered ${res.status} ${res.statusText}`)
    }
    if (!reply.ok) throw new Error(reply.error)
    return reply.value
  }
  const listeners = new Set<(batch: LabEventBatch) => void>()
  const openers = new Set<() => void>()
  let socket: WebSocket | null = null
  let retry = 250
  const connect = () => {
    const proto = window.location.protocol === 'https:' ? 'wss' : 'ws'
    // Browsers cannot set headers on a WebSocket: the token rides in the subprotocol list.
    socket = new WebSocket(`${proto}://${window.location.host}${EVENTS_PATH}`, [EVENTS_PROTOCOL, tokenProtocol(token)])
    socket.onopen = () => {
      retry = 250
      for (const o of openers) o()
    }
    socket.onmessage = (m) => {
      const batch = JSON.parse(String(m.data)) as LabEventBatch
      for (const l of listeners) l(batch)
    }
    socket.onclose = () => {
      socket = null
      if (listeners.size) setTimeout(connect, (retry = Math.min(retry * 2, 5000)))
    }
  }
  const requests = Object.fromEntries(REQUEST_NAMES.map((n) => [n, (p: unknown) => call(n, p)])) as LabApi
  return {
    ...requests,
    transport: 'http',
    onEvents(listener, onOpen) {
      listeners.add(listener)
      if (onOpen) openers.add(onOpen)
      if (!socket) connect()
      else if (socket.readyState === WebSocket.OPEN) onOpen?.()
      return () => {
        listeners.delete(listener)
        if (onOpen) openers.delete(onOpen)
      }
    }
  }
}

let client: LabClient | null = null

export function lab(): LabClient {
  if (!client) client = window.lab ? { ...window.lab, transport: 'ipc' } : httpClient()
  return client
}
