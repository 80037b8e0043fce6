// The renderer's one way to reach the lab: window.lab (Electron preload) when present,
// otherwise HTTP + WebSocket to serve mode. Both speak the shared contract.
import { EVENTS_PATH, REQUEST_NAMES, requestPath, type RequestName } from '@shared/channels'
import type { LabApi, LabBridge, LabEventBatch, Reply } from '@shared/contract'

export type LabClient = LabBridge & { transport: 'ipc' | 'http' }

declare global {
  interface Window {
    lab?: LabBridge
  }
}

const TOKEN_KEY = 'digit-lab-token'

/** Takes the token from the URL once, then hides it from the address bar and history. */
function takeToken(): string {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

function httpClient(): LabClient {
  const token = takeToken()
  const call = async (name: RequestName, payload: unknown) => {
    const res = await fetch(requestPath(name), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-digit-lab-token': token },
      body: JSON.stringify(payload ?? {})
    })
    let reply: Reply<unknown>
    try {
      reply = (await res.json()) as Reply<unknown>
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
    socket = new WebSocket(`${proto}://${window.location.host}${EVENTS_PATH}?token=${encodeURIComponent(token)}`)
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
