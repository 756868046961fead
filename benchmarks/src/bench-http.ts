import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt, createServer as createXrpcServer, verifyJwt } from '@atproto/xrpc-server'
import { createJoineryXrpcServer, LEXICONS } from '@joinery/atproto-adapter'
import { createBitrixHandler, createWebhookAuth } from '@joinery/bitrix-adapter'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { type LoadResult, runLoad } from './run-load.js'

const SERVICE_DID = 'did:web:bench.joinery.test'
const NSID = 'chat.bsky.group.requestJoin'

async function listenOn(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

/** requestJoin through the atproto adapter vs an xrpc-server constant answer (same verifyJwt) vs bare node:http. */
export async function benchXrpc(users = 500): Promise<Record<'adapter' | 'xrpcConstant' | 'bareHttp', LoadResult>> {
  const joinery = createJoinery({ store: createInMemoryStore({ eventLogLimit: 1000 }) })
  const group = (
    await joinery.createGroup({ actor: 'did:key:owner', name: 'Bench', admission: 'invite-only', visibility: 'hidden' })
  )._unsafeUnwrap()
  const { code } = (await joinery.createJoinLink({ actor: 'did:key:owner', groupId: group.id }))._unsafeUnwrap()
  const exp = Math.floor(Date.now() / 1000) + 3600
  const requests: { headers: Record<string, string>; body: string }[] = []
  for (let i = 0; i < users; i++) {
    const keypair = await Secp256k1Keypair.create()
    const token = await createServiceJwt({ iss: keypair.did(), aud: SERVICE_DID, lxm: NSID, keypair, exp })
    requests.push({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
  }
  const adapter = await listenOn(
    // The load generator cycles through its 500 tokens, which the baseline (verifyJwt: no replay check) accepts
    // every time; with the replay guard every reuse would be a 401 JwtReplayed, and the run would time refusals.
    createJoineryXrpcServer({ joinery, serviceDid: SERVICE_DID, allowDidKeyIssuers: true, replayGuard: false }).router,
  )
  // The adapter's own answer, to serve as the constant body of the baselines.
  const sample = await fetch(`${adapter.url}/xrpc/${NSID}`, { method: 'POST', ...requests[0] })
  const body = await sample.text()

  const constant = createXrpcServer(LEXICONS)
  constant.method(NSID, {
    auth: async ({ req }: { req: IncomingMessage }) => {
      const token = (req.headers.authorization ?? '').slice(7)
      const payload = await verifyJwt(token, SERVICE_DID, NSID, async (iss) => iss)
      return { credentials: { did: payload.iss } }
    },
    handler: async () => ({ encoding: 'application/json', body: JSON.parse(body) }),
  })
  const xrpcConstant = await listenOn(constant.router)
  const bare = await listenOn((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
    })
  })
  try {
    const load = (url: string) => runLoad({ url, method: 'POST', path: `/xrpc/${NSID}`, requests })
    return {
      adapter: await load(adapter.url),
      xrpcConstant: await load(xrpcConstant.url),
      bareHttp: await load(bare.url),
    }
  } finally {
    await Promise.all([close(adapter.server), close(xrpcConstant.server), close(bare.server)])
  }
}

/** sonet_group.user.request through the Bitrix24 adapter vs a bare node:http handler answering the same envelope. */
export async function benchBitrix(users = 500): Promise<Record<'adapter' | 'bareHttp', LoadResult>> {
  const joinery = createJoinery({
    store: createInMemoryStore({ eventLogLimit: 1000 }),
    ids: createSequentialIdGenerator(),
  })
  const group = (await joinery.createGroup({ actor: '1', name: 'Bench', admission: 'open' }))._unsafeUnwrap()
  const hooks = Array.from({ length: users }, (_, i) => ({ userId: String(i + 2), code: `hook-${i + 2}` }))
  const handler = createBitrixHandler({ joinery, auth: createWebhookAuth(hooks), rateLimit: false })
  const adapter = await listenOn((req, res) => void handler(req, res))
  const requests = hooks.map((h) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ GROUP_ID: Number(group.id), MESSAGE: 'bench' }),
    path: `/rest/${h.userId}/${h.code}/sonet_group.user.request`,
  }))
  const sample = await fetch(`${adapter.url}${requests[0]?.path}`, {
    method: 'POST',
    headers: requests[0]?.headers,
    body: requests[0]?.body,
  })
  const envelope = (await sample.json()) as { result: unknown; time: unknown }
  const bare = await listenOn((req, res) => {
    req.resume()
    req.on('end', () => {
      // The same envelope, with a fresh time block, as a minimal Bitrix24-shaped endpoint would send.
      const text = JSON.stringify({
        result: envelope.result,
        time: { ...(envelope.time as object), finish: Date.now() / 1000 },
      })
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      })
      res.end(text)
    })
  })
  try {
    const load = (url: string) => runLoad({ url, method: 'POST', path: '/', requests })
    return { adapter: await load(adapter.url), bareHttp: await load(bare.url) }
  } finally {
    await Promise.all([close(adapter.server), close(bare.server)])
  }
}
