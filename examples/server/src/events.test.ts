import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parsePhpParams } from '@joinery/bitrix-adapter'
import { configFromEnv, type RunningServer, startServer } from '@joinery/server'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

// The demo server runs Bitrix24's event API over its outbox relay: a handler bound with a token of the demo's
// application receives the portal's form (bitrix24/b24restdocs api-reference/events/index.md,
// api-reference/sonet-group/events/on-sonet-group-add.md).
let server: RunningServer
beforeAll(async () => {
  server = await startServer({ ...configFromEnv({}), port: 0, tlsPort: null, log: false })
}, 60_000)
afterAll(() => server.stop())

async function call(method: string, params: Record<string, unknown>, token: string) {
  const res = await fetch(`${server.httpUrl}/rest/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...params, auth: token }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('Bitrix24 events on the demo server', () => {
  it('delivers ONSONETGROUPADD to a handler bound through the demo application', async () => {
    const received: Record<string, unknown>[] = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        received.push(parsePhpParams(new URLSearchParams(body)))
        res.end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    try {
      const handler = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/h`
      const grant = await fetch(
        `${server.httpUrl}/oauth/token/?grant_type=client_credentials&client_id=1&client_secret=demo-hook-1`,
      )
      const { access_token: token, application_token } = (await grant.json()) as Record<string, string>
      expect(await call('event.bind', { event: 'ONSONETGROUPADD', handler }, token as string)).toEqual({
        status: 200,
        body: expect.objectContaining({ result: true }),
      })
      const created = await call('sonet_group.create', { NAME: 'Evented' }, token as string)
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 20_000, interval: 100 })
      expect(received[0]).toMatchObject({
        event: 'ONSONETGROUPADD',
        data: { FIELDS: { ID: String(created.body.result) } },
        auth: { application_token, member_id: 'joinery-demo' },
      })
      // A webhook is no application: the event API refuses it, as a portal does.
      const byHook = await fetch(`${server.httpUrl}/rest/1/demo-hook-1/event.get`)
      expect(byHook.status).toBe(403)
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
    }
  })
})
