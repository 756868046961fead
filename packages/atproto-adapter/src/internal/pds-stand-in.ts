import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { IdResolver } from '@atproto/identity'
import { createServiceJwt } from '@atproto/xrpc-server'
import type { Account } from './identity-hosts.js'

/**
 * A PDS's service proxying, played for tests: a real HTTP server holding its accounts' signing keys. A client calls
 * it with its session (`Authorization: Bearer <did>`, standing in for a PDS session) and `atproto-proxy:
 * <did>#<service>`; it parses the header as a PDS does, resolves the service DID through `@atproto/identity`, takes
 * the `#<service>` endpoint of the DID document, mints the service JWT a PDS mints (bare service DID as `aud`, the
 * NSID of the path as `lxm`, 60 s), forwards the call with it and relays the answer.
 */
export async function startPdsStandIn(accounts: readonly Account[], plcUrl: string) {
  const byDid = new Map(accounts.map((a) => [a.did, a]))
  const ids = new IdResolver({ timeout: 2_000, plcUrl })
  const minted: { aud: string; lxm: string }[] = []

  const http = createServer((req, res) => {
    const answer = (status: number, error: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error, message }))
    }
    proxy(req).then(
      (upstream) => {
        res.writeHead(upstream.status, { 'content-type': upstream.type })
        res.end(upstream.body)
      },
      (e: { status?: number; error?: string; message?: string }) =>
        answer(e.status ?? 502, e.error ?? 'UpstreamFailure', e.message ?? 'Upstream service unreachable'),
    )
  })

  async function proxy(req: IncomingMessage) {
    const refuse = (message: string) => Promise.reject({ status: 400, error: 'InvalidRequest', message })
    const account = byDid.get((req.headers.authorization ?? '').replace(/^Bearer /, ''))
    if (!account) return Promise.reject({ status: 401, error: 'AuthRequired', message: 'no session' })
    const header = req.headers['atproto-proxy']
    if (typeof header !== 'string') return refuse('this stand-in only proxies')
    if (header.includes(' ')) return refuse('proxy header cannot contain spaces')
    const [did, serviceId, extra] = header.split('#')
    if (!did) return refuse('no did specified in proxy header')
    if (!serviceId) return refuse('no service id specified in proxy header')
    if (extra !== undefined) return refuse('invalid proxy header format')
    const doc = await ids.did.resolve(did).catch(() => null)
    if (!doc) return refuse('could not resolve proxy did')
    const service = (doc.service ?? []).find((s) => s.id === `#${serviceId}` || s.id === `${did}#${serviceId}`)
    const endpoint = typeof service?.serviceEndpoint === 'string' ? service.serviceEndpoint : ''
    if (!/^https?:\/\//.test(endpoint)) return refuse('could not resolve proxy did service url')
    const url = new URL(req.url ?? '/', endpoint)
    const lxm = url.pathname.replace(/^\/xrpc\//, '')
    // As a PDS since "Phase 1": the bare service DID as audience.
    const jwt = await createServiceJwt({ iss: account.did, aud: did, lxm, keypair: account.keypair })
    minted.push({ aud: did, lxm })
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length ? Buffer.concat(chunks) : undefined
    const upstream = await fetch(url, {
      method: req.method ?? 'GET',
      headers: {
        authorization: `Bearer ${jwt}`,
        ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
      },
      ...(body && req.method === 'POST' ? { body } : {}),
    }).catch(() => Promise.reject({ status: 502, error: 'UpstreamFailure', message: 'Upstream service unreachable' }))
    return {
      status: upstream.status,
      type: upstream.headers.get('content-type') ?? 'application/json',
      body: Buffer.from(await upstream.arrayBuffer()),
    }
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    /** The audience and method of every service JWT minted, in order. */
    minted,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}
