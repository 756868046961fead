import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { appendJoins, usePglite } from './internal/test-kit.js'
import { createRelay } from './relay.js'
import { createWebhookSubscriber, generateWebhookSecret, signWebhook, type WebhookPayload } from './webhook.js'

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A receiver on 127.0.0.1 that keeps every request and answers with `status()`. */
async function receiver(status: (n: number) => number = () => 204) {
  const requests: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => {
      requests.push({ headers: req.headers, body })
      res.writeHead(status(requests.length), status(requests.length) === 302 ? { location: '/elsewhere' } : {}).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const headersOf = (r: Received): Record<string, string> => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
})

const lite = usePglite('hooks')

describe(createWebhookSubscriber, () => {
  it('sends Standard Webhooks that the specification’s verifier accepts, and it rejects a tampered one', async () => {
    const { schema, store } = await lite.fresh()
    const db = lite.db
    const secret = generateWebhookSecret()
    const hook = await receiver()
    try {
      await appendJoins(store, 'g', 3)
      await createRelay({
        db,
        schema,
        subscribers: [createWebhookSubscriber({ id: 'hook', url: hook.url, secret })],
      }).deliverPending()

      const verifier = new Webhook(secret)
      expect(hook.requests).toHaveLength(3)
      const payloads = hook.requests.map((r) => verifier.verify(r.body, headersOf(r)) as WebhookPayload)
      expect(payloads.map((p) => [p.type, p.data.groupId, p.data.subject])).toEqual([
        ['MemberJoined', 'g', 'u0'],
        ['MemberJoined', 'g', 'u1'],
        ['MemberJoined', 'g', 'u2'],
      ])
      const first = hook.requests[0] as Received
      expect(first.headers['content-type']).toBe('application/json')
      expect(first.headers['webhook-id']).toBe(`evt_${payloads[0]?.data.eventId}`)
      expect(payloads[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/)

      // A changed body, a changed timestamp, another id or another secret: all refused.
      const tampered = first.body.replace('"u0"', '"mallory"')
      expect(tampered).not.toBe(first.body)
      expect(() => verifier.verify(tampered, headersOf(first))).toThrow(WebhookVerificationError)
      const later = String(Number(first.headers['webhook-timestamp']) + 1)
      expect(() => verifier.verify(first.body, { ...headersOf(first), 'webhook-timestamp': later })).toThrow(
        WebhookVerificationError,
      )
      expect(() => verifier.verify(first.body, { ...headersOf(first), 'webhook-id': 'evt_999' })).toThrow(
        WebhookVerificationError,
      )
      expect(() => new Webhook(generateWebhookSecret()).verify(first.body, headersOf(first))).toThrow(
        WebhookVerificationError,
      )
    } finally {
      await hook.close()
    }
  })

  it('signs with every secret while rotating; each verifies alone', async () => {
    const { schema, store } = await lite.fresh()
    const db = lite.db
    const [old, next] = [generateWebhookSecret(), generateWebhookSecret()]
    const hook = await receiver()
    try {
      await appendJoins(store, 'g', 1)
      await createRelay({
        db,
        schema,
        subscribers: [createWebhookSubscriber({ id: 'hook', url: hook.url, secret: [old, next] })],
      }).deliverPending()
      const r = hook.requests[0] as Received
      expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2)
      for (const s of [old, next]) expect(new Webhook(s).verify(r.body, headersOf(r))).toBeTruthy()
    } finally {
      await hook.close()
    }
  })

  it('filters by event type and by group, per subscriber', async () => {
    const { schema, store } = await lite.fresh()
    const db = lite.db
    const secret = generateWebhookSecret()
    const [a, b] = [await receiver(), await receiver()]
    try {
      await appendJoins(store, 'g1', 2)
      await appendJoins(store, 'g2', 2)
      ;(
        await store.transaction((tx) =>
          tx.appendEvents([{ type: 'MemberLeft', groupId: 'g2', actor: 'u0', at: new Date() }]),
        )
      )._unsafeUnwrap()
      await createRelay({
        db,
        schema,
        subscribers: [
          createWebhookSubscriber({ id: 'a', url: a.url, secret, filter: { groups: ['g2'] } }),
          createWebhookSubscriber({ id: 'b', url: b.url, secret, filter: { types: ['MemberLeft'] } }),
        ],
      }).deliverPending()
      const seen = (r: Received) => {
        const p = JSON.parse(r.body) as WebhookPayload
        return `${p.data.groupId}:${p.type}`
      }
      expect(a.requests.map(seen)).toEqual(['g2:MemberJoined', 'g2:MemberJoined', 'g2:MemberLeft'])
      expect(b.requests.map(seen)).toEqual(['g2:MemberLeft'])
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('counts an error status, a redirect and no answer in time as failed attempts, retried with the same id', async () => {
    const { schema, store } = await lite.fresh()
    const db = lite.db
    const hook = await receiver((n) => (n === 1 ? 500 : n === 2 ? 302 : 200))
    try {
      await appendJoins(store, 'g', 1)
      const failures: string[] = []
      const relay = createRelay({
        db,
        schema,
        subscribers: [createWebhookSubscriber({ id: 'hook', url: hook.url, secret: generateWebhookSecret() })],
        backoff: { initialMs: 50, maxMs: 50 },
        random: () => 1,
        hooks: { onDelivery: (r) => r.outcome !== 'delivered' && failures.push(String(r.error)) },
      })
      for (let i = 0; i < 3; i++) {
        await relay.deliverPending()
        await new Promise((r) => setTimeout(r, 80))
      }
      expect(failures).toEqual([expect.stringContaining('HTTP 500'), expect.stringContaining('HTTP 302')])
      expect(new Set(hook.requests.map((r) => r.headers['webhook-id'])).size).toBe(1)
      expect(hook.requests).toHaveLength(3)

      const silent = createServer(() => {})
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const slow = createWebhookSubscriber({
          id: 'slow',
          url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
          secret: generateWebhookSecret(),
          timeoutMs: 100,
        })
        await expect(
          slow.deliver({
            id: '1',
            groupId: 'h',
            type: 'MemberLeft',
            event: { type: 'MemberLeft', groupId: 'h', actor: 'x', at: new Date() },
            createdAt: new Date(),
          }),
        ).rejects.toThrow()
      } finally {
        silent.closeAllConnections()
        silent.close()
      }
    } finally {
      await hook.close()
    }
  })

  it('refuses a secret that is not 24 to 64 bytes of base64 and a URL that is not http(s)', () => {
    expect(() => createWebhookSubscriber({ id: 'x', url: 'http://127.0.0.1/', secret: 'whsec_c2hvcnQ=' })).toThrow(
      RangeError,
    )
    expect(() => createWebhookSubscriber({ id: 'x', url: 'ftp://h/', secret: generateWebhookSecret() })).toThrow(
      RangeError,
    )
    // The same signature as the specification's own signer.
    const secret = generateWebhookSecret()
    const at = new Date(1_700_000_000_000)
    expect(signWebhook(secret, 'evt_1', 1_700_000_000, '{"a":1}')).toBe(
      new Webhook(secret).sign('evt_1', at, '{"a":1}'),
    )
  })
})
