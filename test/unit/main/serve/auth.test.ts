// serve mode's Host, Origin and token rules, for the cases a test cannot bind to: port 80,
// every interface, a machine's own addresses.
import type { IncomingMessage } from 'node:http'
import type { NetworkInterfaceInfo } from 'node:os'
import { describe, expect, it } from 'vitest'
import { createGuard, hostNames, tokenOf } from '../../../../src/main/serve/auth'

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal }) as NetworkInterfaceInfo
const interfaces = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('10.1.2.3', 'IPv4'), iface('fe80::abcd', 'IPv6')]
}
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage
const token = 'a'.repeat(32)

describe('the names serve answers to', () => {
  it('on loopback: 127.0.0.1 and localhost with the port, never a bare name on another port', () => {
    expect([...hostNames({ host: '127.0.0.1', port: 5317 })].sort()).toEqual(['127.0.0.1:5317', 'localhost:5317'])
    expect([...hostNames({ host: '::1', port: 5317 })].sort()).toEqual(['[::1]:5317', 'localhost:5317'])
  })

  it('on port 80, also without the port, as browsers send it', () => {
    expect([...hostNames({ host: 'localhost', port: 80 })].sort()).toEqual(['127.0.0.1', '127.0.0.1:80', 'localhost', 'localhost:80'])
    const guard = createGuard(token, hostNames({ host: '127.0.0.1', port: 80 }))
    expect(guard.checkSite(req({ host: '127.0.0.1' }))).toBeNull()
    expect(guard.checkSite(req({ host: 'localhost', origin: 'http://localhost' }))).toBeNull()
    expect(guard.checkSite(req({ host: 'evil.example' }))?.status).toBe(421)
    expect(guard.checkSite(req({ host: '127.0.0.1', origin: 'http://127.0.0.1:8080' }))?.status).toBe(403)
  })

  it('on 0.0.0.0: the IPv4 interface addresses, localhost and the hostname, not 0.0.0.0 itself', () => {
    const names = hostNames({ host: '0.0.0.0', port: 5317, interfaces, hostname: 'GPU-Box' })
    expect([...names].sort()).toEqual(['10.1.2.3:5317', '127.0.0.1:5317', 'gpu-box:5317', 'localhost:5317'])
  })

  it('on ::, IPv6 addresses too (Node listens dual-stack), in brackets', () => {
    const names = hostNames({ host: '::', port: 5317, interfaces, hostname: 'box' })
    expect([...names].sort()).toEqual(['10.1.2.3:5317', '127.0.0.1:5317', '[::1]:5317', '[fe80::abcd]:5317', 'box:5317', 'localhost:5317'])
  })

  it('on another address: that address only', () => {
    expect([...hostNames({ host: '192.168.1.5', port: 5317 })]).toEqual(['192.168.1.5:5317'])
    expect([...hostNames({ host: 'fd00::5', port: 5317 })]).toEqual(['[fd00::5]:5317'])
  })

  it('plus --allow-host names: bare ones get the port (and none on 80), name:port is taken as written', () => {
    expect([...hostNames({ host: '127.0.0.1', port: 5317, allowHosts: ['Lab.Example', 'proxy.example:8443', '[fd00::7]', ' '] })].sort()).toEqual([
      '127.0.0.1:5317',
      '[fd00::7]:5317',
      'lab.example:5317',
      'localhost:5317',
      'proxy.example:8443'
    ])
    expect(hostNames({ host: '127.0.0.1', port: 80, allowHosts: ['lab.example'] })).toContain('lab.example')
  })
})

describe('the guard', () => {
  const guard = createGuard(token, hostNames({ host: '127.0.0.1', port: 5317, allowHosts: ['lab.example'] }))

  it('takes requests without Origin, and those from any of its own origins', () => {
    expect(guard.checkSite(req({ host: '127.0.0.1:5317' }))).toBeNull()
    for (const origin of ['http://127.0.0.1:5317', 'http://localhost:5317', 'http://LAB.example:5317']) {
      expect(guard.checkSite(req({ host: '127.0.0.1:5317', origin })), origin).toBeNull()
    }
  })

  it('refuses any other Origin: another port, another scheme, an opaque one', () => {
    for (const origin of ['http://127.0.0.1:5318', 'https://127.0.0.1:5317', 'http://127.0.0.1', 'null', 'http://evil.example:5317', '']) {
      expect(guard.checkSite(req({ host: '127.0.0.1:5317', origin })), origin).toEqual({ status: 403, message: 'requests from other origins are refused' })
    }
  })

  it('refuses a missing or foreign Host before looking at anything else', () => {
    expect(guard.checkSite(req({}))?.status).toBe(421)
    expect(guard.checkSite(req({ host: '127.0.0.1' }))?.status).toBe(421)
    expect(guard.checkSite(req({ host: 'evil.example:5317', origin: 'http://evil.example:5317' }))?.status).toBe(421)
  })

  it('reads the token from the header or from a digit-lab.<token> subprotocol, and compares it whole', () => {
    expect(tokenOf(req({ 'x-digit-lab-token': token }))).toBe(token)
    expect(tokenOf(req({ 'sec-websocket-protocol': `digit-lab, digit-lab.${token}` }))).toBe(token)
    expect(tokenOf(req({ 'sec-websocket-protocol': 'digit-lab' }))).toBeUndefined()
    expect(guard.checkToken(req({ 'x-digit-lab-token': token }))).toBeNull()
    expect(guard.checkToken(req({ 'x-digit-lab-token': token.slice(1) }))?.status).toBe(401)
    expect(guard.checkToken(req({ 'sec-websocket-protocol': `digit-lab.${token}x` }))?.status).toBe(401)
    expect(guard.checkToken(req({}))?.status).toBe(401)
  })
})
