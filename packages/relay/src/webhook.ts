import { createHmac, randomBytes } from 'node:crypto'
import { acceptsOf, type EventFilter, type RelayEvent, type Subscriber } from './subscriber.js'

const SECRET_PREFIX = 'whsec_'

export interface WebhookSubscriberOptions {
  /** The subscriber id (see `Subscriber.id`). */
  readonly id: string
  /** Where to POST. */
  readonly url: string | URL
  /**
   * `whsec_` + base64 of 24 to 64 random bytes (`generateWebhookSecret()`). Several while rotating: each signs,
   * and the `webhook-signature` header carries every signature, space-separated, as the specification allows.
   */
  readonly secret: string | readonly string[]
  /** Only these event types and groups (default every one). */
  readonly filter?: EventFilter
  /** The longest wait for the receiver's answer; longer counts as a failed attempt. Default 15,000 ms. */
  readonly timeoutMs?: number
  /** Extra request headers (an API key the receiver wants, say). */
  readonly headers?: Readonly<Record<string, string>>
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch
}

/** The JSON body of a webhook: the envelope the Standard Webhooks specification recommends. */
export interface WebhookPayload {
  /** The domain event's type (`MemberJoined`, `GroupDeleted`, …). */
  readonly type: string
  /** When the event happened (ISO 8601). */
  readonly timestamp: string
  /** The domain event (dates as ISO strings) and its outbox id as `eventId`. */
  readonly data: Record<string, unknown> & { readonly eventId: string; readonly groupId: string }
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64')
}

function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64')
  if (key.length < 24 || key.length > 64)
    throw new RangeError('a webhook secret is whsec_ followed by base64 of 24 to 64 bytes')
  return key
}

/**
 * The Standard Webhooks signature of a message: `v1,` + base64 HMAC-SHA256, under the decoded secret, of
 * `${id}.${timestamp}.${body}` (timestamp in whole seconds).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The body the webhook subscriber sends for an event. */
export function webhookPayload(e: RelayEvent): WebhookPayload {
  return { type: e.type, timestamp: e.event.at.toISOString(), data: { eventId: e.id, ...e.event } }
}

/**
 * A subscriber that POSTs each event as a signed Standard Webhooks message: headers `webhook-id` (`evt_` + the
 * outbox id, the same on every retry, for the receiver to dedupe), `webhook-timestamp` (seconds, at each attempt)
 * and `webhook-signature`. Any 2xx answer is a delivery; anything else, a redirect, a network error or no answer
 * within `timeoutMs` is a failed attempt, retried by the relay.
 * @example
 * createWebhookSubscriber({ id: 'crm', url: 'https://crm.example/hooks/joinery', secret: process.env.WEBHOOK_SECRET, filter: { types: ['MemberJoined'] } })
 */
export function createWebhookSubscriber(options: WebhookSubscriberOptions): Subscriber {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
  if (secrets.length === 0) throw new RangeError('a webhook subscriber needs a secret')
  for (const s of secrets) secretKey(s)
  const url = new URL(options.url)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError('a webhook URL is http(s)')
  const timeoutMs = options.timeoutMs ?? 15_000
  const send = options.fetch ?? fetch
  const accepts = acceptsOf(options.filter)
  return {
    id: options.id,
    accepts,
    async deliver(event) {
      const id = `evt_${event.id}`
      const timestamp = Math.floor(Date.now() / 1_000)
      const body = JSON.stringify(webhookPayload(event))
      const response = await send(url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          ...options.headers,
          'content-type': 'application/json',
          'user-agent': 'joinery-relay',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': secrets.map((s) => signWebhook(s, id, timestamp, body)).join(' '),
        },
      })
      // The body is not read: release the connection.
      await response.body?.cancel().catch(() => {})
      if (response.status < 200 || response.status > 299)
        throw new Error(`webhook ${url.host} answered HTTP ${response.status}`)
    },
  }
}
