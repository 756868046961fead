import { once } from 'node:events'
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { B24Hook } from '@bitrix24/b24jssdk'
import { serve } from '@hono/node-server'
import { createWebhookAuth } from '@joinery/bitrix-adapter'
import { createThrowawayCertificate, type TlsCertificate } from '@joinery/bitrix-adapter/node'
import { trustInGlobalAgent } from '@joinery/bitrix-adapter/testing'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator, type Joinery } from '@joinery/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBitrixExpressApp } from './bitrix-express.js'
import { createBitrixFastifyApp } from './bitrix-fastify.js'
import { createBitrixHonoApp } from './bitrix-hono.js'

const USERS = ['1', '2', '3'] as const
const auth = createWebhookAuth(USERS.map((userId) => ({ userId, code: `code-${userId}` })))

interface Running {
  readonly url: string
  close(): Promise<void>
}

async function listening(server: Server): Promise<Running> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** Each recipe started over HTTPS (the SDK speaks only HTTPS) on a fresh core. */
const RECIPES: [string, (joinery: Joinery, tls: TlsCertificate) => Promise<Running>][] = [
  [
    'Express: mounted at /rest, after express.json() and express.urlencoded()',
    (joinery, tls) =>
      listening(createHttpsServer(tls, createBitrixExpressApp({ joinery, auth, administrators: ['1'] }))),
  ],
  [
    'Fastify: the Node handler in a scope that leaves the body to it',
    async (joinery, tls) => {
      const app = await createBitrixFastifyApp({ joinery, auth, administrators: ['1'] }, { https: tls })
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url: url.replace('localhost', '127.0.0.1'), close: () => app.close() }
    },
  ],
  [
    'Hono: the web-standard handler under @hono/node-server',
    (joinery, tls) => {
      const app = createBitrixHonoApp({ joinery, auth, administrators: ['1'] })
      const server = serve({
        fetch: app.fetch,
        port: 0,
        hostname: '127.0.0.1',
        createServer: createHttpsServer,
        serverOptions: tls,
      })
      return listening(server as Server)
    },
  ],
]

let tls: TlsCertificate
let untrust: () => void
beforeAll(async () => {
  tls = await createThrowawayCertificate()
  // The SDK's requests go through Node's default HTTPS agent: trust the throwaway certificate there while tests run.
  untrust = trustInGlobalAgent(tls.cert)
})
afterAll(() => untrust())

describe.each(RECIPES)('%s', (_name, start) => {
  let running: Running
  let joinery: Joinery
  beforeAll(async () => {
    joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() })
    running = await start(joinery, tls)
  })
  afterAll(() => running.close())

  const hook = (user: string, code = `code-${user}`) => {
    const b24 = B24Hook.fromWebhookUrl(`${running.url}/rest/${user}/${code}/`)
    b24.offClientSideWarning()
    return b24
  }
  async function call<T>(user: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
    const response = await hook(user).actions.v2.call.make<T>({ method, params })
    return (response.getData() as { result: T }).result
  }

  it('creates a group by approval; a user asks to join and the owner approves, through the official SDK', async () => {
    const group = await call<number>('1', 'sonet_group.create', { NAME: 'Climbers', OPENED: 'N' })
    expect(group).toBe(1)
    expect(await call('2', 'sonet_group.user.request', { GROUP_ID: group, MESSAGE: 'Let me in' })).toBe(true)
    const pending = await call<{ USER_ID: string; MESSAGE: string }[]>('1', 'sonet_group.user.request.list', {
      GROUP_ID: group,
    })
    expect(pending.map((r) => [r.USER_ID, r.MESSAGE])).toEqual([['2', 'Let me in']])
    expect(await call('1', 'sonet_group.user.request.approve', { GROUP_ID: group, USER_ID: 2 })).toBe(true)
    expect(await call('2', 'sonet_group.user.get', { ID: group })).toEqual([
      { USER_ID: '1', ROLE: 'A' },
      { USER_ID: '2', ROLE: 'K' },
    ])
  })

  it('refuses a wrong webhook code with the portal error, and runs a batch', async () => {
    const refused = await hook('3', 'not-the-code')
      .actions.v2.call.make({ method: 'sonet_group.get', params: {} })
      .then(
        () => null,
        (e: { code: string; status: number }) => ({ code: e.code, status: e.status }),
      )
    expect(refused).toEqual({ code: 'NO_AUTH_FOUND', status: 401 })
    const batch = await hook('1').actions.v2.batch.make({
      calls: {
        made: { method: 'sonet_group.create', params: { NAME: 'Batch', OPENED: 'Y' } },
        joined: { method: 'sonet_group.user.get', params: { ID: '$result[made]' } },
      },
      options: { isHaltOnError: true, returnAjaxResult: true },
    })
    expect(batch.isSuccess).toBe(true)
    const results = batch.getData() as Record<string, { getData(): { result: unknown } }>
    expect(results.made?.getData().result).toEqual(expect.any(Number))
    expect(results.joined?.getData().result).toEqual([{ USER_ID: '1', ROLE: 'A' }])
  })

  it('reads PHP-style urlencoded forms and multipart bodies, as a portal does', async () => {
    const group = await call<number>('1', 'sonet_group.create', { NAME: 'Forms', OPENED: 'Y' })
    const added = await post(
      `${running.url}/rest/1/code-1/sonet_group.user.add.json`,
      'application/x-www-form-urlencoded',
      `GROUP_ID=${group}&USER_ID[]=2&USER_ID[]=3`,
    )
    expect(added).toMatchObject({ status: 200, body: { result: ['2', '3'] } })
    const form = new FormData()
    form.append('NAME', 'Multipart')
    const encoded = new Request('http://x/', { method: 'POST', body: form })
    const created = await post(
      `${running.url}/rest/1/code-1/sonet_group.create`,
      encoded.headers.get('content-type') ?? '',
      Buffer.from(await encoded.arrayBuffer()),
    )
    expect(created).toMatchObject({ status: 200, body: { result: expect.any(Number) } })
  })
})

/** A raw POST over HTTPS trusting the throwaway certificate (Node's fetch keeps its own trust store). */
function post(url: string, contentType: string, body: string | Buffer) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca: tls.cert, headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
