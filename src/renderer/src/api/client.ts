// The renderer's one way to reach the lab: window.lab (Electron preload) when present,
// otherwise HTTP + WebSocket to serve mode. Both speak the shared contract, and both fail the
// same way: a LabRequestError that names the request and keeps the error's kind.
import { EVENTS_PATH, EVENTS_PROTOCOL, REQUEST_NAMES, requestPath, TOKEN_HEADER, tokenProtocol, type RequestName } from '@shared/channels'
import { BYTES_REPLY_TYPE, decodeBytesReply } from '@shared/bytes-reply'
import type { ErrorKind, LabApi, LabBridge, LabClientApi, LabEventBatch, Reply } from '@shared/contract'
import { isErrorKind, LabRequestError, unwrapReply } from '@shared/lab-request-error'
import { SERVE_TOKEN } from './token'

export type LabClient = LabClientApi & { transport: 'ipc' | 'http' }

declare global {
  interface Window {
    lab?: LabBridge
  }
}

/**
 * The kind of a refusal that names none: the server's own guards (token, Origin, body size) answer
 * before the dispatch, with a status and a message. A refused request is as IPC's refusal of a
 * stranger: invalid.
 */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 409) return 'conflict'
  if (status === 404) return 'unknown'
  return status >= 400 && status < 500 ? 'invalid' : 'failed'
}

/** Each request of the bridge, its envelope opened: the value, or a LabRequestError. */
export function ipcRequests(bridge: LabBridge): LabApi {
  const call = async (name: RequestName, payload: unknown) => unwrapReply(name, await (bridge[name] as (p: unknown) => Promise<Reply<unknown>>)(payload))
  return Object.fromEntries(REQUEST_NAMES.map((n) => [n, (p: unknown) => call(n, p)])) as LabApi
}

function httpClient(): LabClient {
  const token = SERVE_TOKEN
  const call = async (name: RequestName, payload: unknown) => {
    let res: Response
    try {
      res = await fetch(requestPath(name), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
        body: JSON.stringify(payload ?? {})
      })
    } catch (err) {
      // The lab is not there (stopped, the network down): the browser's own words.
      throw new LabRequestError(name, (err as Error).message, 'failed')
    }
    let reply: Reply<unknown>
    try {
      // A model's weights come as bytes (see bytes-reply.ts); everything else as JSON.
      reply =
        res.headers.get('content-type') === BYTES_REPLY_TYPE
          ? decodeBytesReply(new Uint8Array(await res.arrayBuffer()))
          : ((await res.json()) as Reply<unknown>)
    } catch {
      throw new LabRequestError(name, `${name}: the lab answered ${res.status} ${res.statusText}`, 'failed')
    }
    // The dispatch's replies name their kind; the guards' refusals (wrong token, body too big) do not.
    return unwrapReply(name, reply.ok || isErrorKind(reply.kind) ? reply : { ...reply, kind: kindOfStatus(res.status) })
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
  if (!client) client = window.lab ? { ...ipcRequests(window.lab), onEvents: window.lab.onEvents, transport: 'ipc' } : httpClient()
  return client
}
