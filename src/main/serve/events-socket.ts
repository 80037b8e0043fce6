// The event stream: coalesced engine events to every connected page. Clients only listen: a
// client that sends anything, sends garbage or stops reading loses its own socket, never the
// server and never the other clients.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { EVENTS_PROTOCOL } from '@shared/channels'
import { coalesce } from '../api/coalesce'
import type { Lab } from '../lab/lab'

/** Pages send nothing; ws closes the socket (1009) on anything larger before buffering it. */
const MAX_CLIENT_MESSAGE = 1024
/** A client that stops reading would make us buffer every event for it: past this, it is dropped. */
const MAX_BUFFERED = 16 * 1024 * 1024

export interface EventsSocket {
  /** Completes the handshake of an upgrade the server has already authorised. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
}

export function createEventsSocket(lab: Lab): EventsSocket {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_MESSAGE,
    perMessageDeflate: false,
    // Browsers fail the handshake unless one offered subprotocol is echoed; the token one is not.
    handleProtocols: (offered) => (offered.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false)
  })
  const sockets = new Set<WebSocket>()
  const events = coalesce((batch) => {
    const text = JSON.stringify(batch)
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue
      if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate()
      else ws.send(text)
    }
  })
  const unsubscribe = lab.subscribe((e) => events.push(e))
  return {
    accept(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws)
        // Without a listener, ws's 'error' (invalid UTF-8, oversized frame, bad opcode) is an
        // uncaught exception that ends the process. There is nothing left to do in it: ws has
        // already sent the close frame (1007, 1009, 1002) and ends the socket once it is out.
        ws.on('error', () => {})
        ws.on('message', () => ws.close(1003, 'this socket only sends'))
        ws.on('close', () => sockets.delete(ws))
      })
    },
    close() {
      unsubscribe()
      events.close()
      for (const ws of sockets) ws.terminate()
      wss.close()
    }
  }
}
