import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookAuth } from './auth.js'
import { type BitrixAdapterOptions, createBitrixHandler } from './handler.js'
import { createBitrixFetchHandler } from './web-handler.js'
import { MAX_BODY_BYTES } from './wire/route.js'

/** The same portal twice: one behind the Node listener on a real server, one behind the web handler, called directly. */
function options(): BitrixAdapterOptions {
  return {
    joinery: createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() }),
    auth: {
      ...createWebhookAuth([
        { userId: '1', code: 'one' },
        { userId: '2', code: 'two' },
      ]),
      token: (token) => (token === 'token-of-3' ? '3' : null),
    },
    administrators: ['1'],
    rateLimit: { burst: 40, perSecond: 1 },
    basePath: '/portal',
  }
}

let server: Server
let nodeUrl: string
const web = createBitrixFetchHandler({ ...options(), clientAddress: () => '192.0.2.7' })

beforeAll(async () => {
  const handler = createBitrixHandler(options())
  server = createServer((req, res) => void handler(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  nodeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const form = () => {
  const f = new FormData()
  f.append('NAME', 'Multipart')
  f.append('KEYWORDS', 'a,b')
  return f
}

/** Each case: a path and a request; both handlers get it in this order. */
const CASES: [string, string, () => RequestInit][] = [
  ['create over JSON', '/portal/rest/1/one/sonet_group.create.json', () => json({ NAME: 'Climbers', OPENED: 'N' })],
  ['a query string', '/portal/rest/1/one/sonet_group.user.get?ID=1', () => ({})],
  [
    'PHP brackets, urlencoded',
    '/portal/rest/1/one/sonet_group.user.add',
    () => urlencoded('GROUP_ID=1&USER_ID[]=4&USER_ID[]=5'),
  ],
  ['multipart', '/portal/rest/1/one/sonet_group.create', () => ({ method: 'POST', body: form() })],
  [
    'a request by a bearer token',
    '/portal/rest/sonet_group.user.request',
    () => ({
      ...json({ GROUP_ID: 1, MESSAGE: 'hi' }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer token-of-3' },
    }),
  ],
  ['auth in the body', '/portal/rest/sonet_group.user.request.list', () => urlencoded('auth=token-of-3&GROUP_ID=1')],
  ['the requests, to the owner', '/portal/rest/1/one/sonet_group.user.request.list?GROUP_ID=1', () => ({})],
  ['approval', '/portal/rest/1/one/sonet_group.user.request.approve', () => json({ GROUP_ID: 1, USER_ID: 3 })],
  [
    'a batch',
    '/portal/rest/1/one/batch',
    () =>
      json({
        halt: 0,
        cmd: { a: 'sonet_group.user.get?ID=1', b: 'sonet_group.get?FILTER[ID]=$result[a][0][USER_ID]' },
      }),
  ],
  ['a list with total', '/portal/rest/2/two/sonet_group.get', () => json({ ORDER: { ID: 'ASC' } })],
  ['a wrong code', '/portal/rest/2/nope/sonet_group.get', () => ({})],
  ['no credentials', '/portal/rest/sonet_group.get', () => ({})],
  ['an unknown method', '/portal/rest/1/one/sonet_group.nothing', () => ({})],
  ['outside the base path', '/rest/1/one/sonet_group.get', () => ({})],
  ['a malformed escape', '/portal/rest/1/one/sonet%zz', () => ({})],
  [
    'bad JSON',
    '/portal/rest/1/one/sonet_group.get',
    () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"FILTER":' }),
  ],
  ['a JSON list', '/portal/rest/1/one/sonet_group.get', () => json([1, 2])],
  [
    'a body too large',
    '/portal/rest/1/one/sonet_group.get',
    () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"A":"${'x'.repeat(MAX_BODY_BYTES)}"}`,
    }),
  ],
  [
    'a prototype key',
    '/portal/rest/1/one/sonet_group.create',
    () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"NAME":"P","__proto__":{"polluted":1}}',
    }),
  ],
]

function json(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}
function urlencoded(body: string): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }
}

async function read(response: Response) {
  const body = (await response.json()) as Record<string, unknown>
  const { time, ...rest } = body
  // A batch times each command: times differ, everything else must not.
  const result = rest.result as Record<string, unknown> | undefined
  if (result && typeof result === 'object' && 'result_time' in result) result.result_time = '(times)'
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body: rest,
    timed: time !== undefined,
  }
}

describe(createBitrixFetchHandler, () => {
  it('answers every wire form exactly as the Node listener does (status, headers, body)', async () => {
    for (const [name, path, init] of CASES) {
      const viaNode = await read(await fetch(`${nodeUrl}${path}`, init()))
      const viaWeb = await read(await web(new Request(`https://portal.test${path}`, init())))
      expect(viaWeb, name).toEqual(viaNode)
    }
    // The sequence did what it says: the request was approved, the batch's reference resolved.
    const members = await read(
      await web(new Request('https://portal.test/portal/rest/1/one/sonet_group.user.get?ID=1')),
    )
    expect(members.body.result).toEqual([
      { USER_ID: '1', ROLE: 'A' },
      { USER_ID: '4', ROLE: 'K' },
      { USER_ID: '5', ROLE: 'K' },
      { USER_ID: '3', ROLE: 'K' },
    ])
  })

  it('answers the rate limit with the same 503 and Retry-After', async () => {
    const handler = createBitrixFetchHandler({
      ...options(),
      rateLimit: { burst: 1, perSecond: 0.5 },
      clientAddress: () => 'a',
    })
    const call = () => handler(new Request('https://portal.test/portal/rest/1/one/sonet_group.get'))
    expect((await call()).status).toBe(200)
    const refused = await call()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('2')
    expect(await refused.json()).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
  })

  it("counts wrong codes by the address clientAddress gives, with the runtime's context as its second argument", async () => {
    const handler = createBitrixFetchHandler<{ remote: string }>({
      ...options(),
      credentialFailureLimit: { attempts: 2, windowSeconds: 60, blockSeconds: 60 },
      clientAddress: (_request, context) => context.remote,
    })
    const wrong = (remote: string) =>
      handler(new Request('https://portal.test/portal/rest/1/wrong/sonet_group.get'), { remote }).then((r) => r.status)
    expect([await wrong('198.51.100.1'), await wrong('198.51.100.1'), await wrong('198.51.100.1')]).toEqual([
      401, 401, 503,
    ])
    // Another address is counted apart.
    expect(await wrong('198.51.100.2')).toBe(401)
  })
})
