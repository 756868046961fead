import { createHash } from 'node:crypto'
import type { DomainEvent, DomainEventType } from '@joinery/core'
import type { BitrixApplications, PortalIdentity } from './applications.js'
import { BITRIX_EVENT_OF, type BitrixEventName, bitrixEventOf, eventData } from './catalogue.js'
import type { BitrixEventStore, EventBinding } from './event-store.js'

/**
 * An outbox event as `@joinery/relay` hands it to a subscriber (its `RelayEvent`; declared here so the adapter does
 * not depend on the relay).
 */
export interface OutboxEvent {
  readonly id: string
  readonly groupId: string
  readonly type: DomainEventType
  readonly event: DomainEvent
  /** When the transaction that wrote it ran. */
  readonly createdAt: Date
}

/** A relay subscriber (the shape of `@joinery/relay`'s `Subscriber`). */
export interface OutboxSubscriber {
  readonly id: string
  accepts(event: OutboxEvent): boolean
  deliver(event: OutboxEvent): Promise<void>
}

/** One POST to an online handler that did not succeed. A portal logs it and sends nothing again. */
export interface HandlerFailure {
  readonly binding: EventBinding
  readonly event: BitrixEventName
  readonly outboxId: string
  /** The HTTP status, or `null` for no answer (refused, timed out). */
  readonly status: number | null
  readonly error: unknown
}

export interface BitrixEventSubscriberOptions {
  readonly store: BitrixEventStore
  readonly applications: BitrixApplications
  /** The portal's `domain`, `member_id` and endpoints, sent in every event's `auth[…]`. */
  readonly portal: PortalIdentity
  /** The longest wait for a handler's answer. Default 10,000 ms. */
  readonly timeoutMs?: number
  /** Called for each handler that failed (a non-2xx answer or none); the event is not sent to it again. */
  readonly onHandlerFailure?: (failure: HandlerFailure) => void
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch
  /** Subscriber ids; default `bitrix24-online` and `bitrix24-offline`. Keep them stable: progress is kept under them. */
  readonly ids?: { readonly online?: string; readonly offline?: string }
}

const accepts = (e: OutboxEvent) => BITRIX_EVENT_OF[e.type] !== null

/**
 * Within one request a portal sends an application one `ONSONETGROUPUPDATE` per group: an update for a group it
 * already sent an add or update for in the same hit is dropped (`CSocNetGroupRestProxy::processEvent`). Here a
 * transaction is the hit: `sonet_group.update` that also archives and hands over gives one update, not three.
 */
function createHitGuard() {
  const lastSent = new Map<string, { hit: number; eventId: string }>()
  return (e: OutboxEvent, name: BitrixEventName): boolean => {
    const hit = e.createdAt.getTime()
    const key = e.groupId
    const last = lastSent.get(key)
    // The same event again (a retry) is not a second update.
    if (name === 'ONSONETGROUPUPDATE' && last?.hit === hit && last.eventId !== e.id) return false
    if (name === 'ONSONETGROUPDELETE') lastSent.delete(key)
    else if (last?.hit !== hit) lastSent.set(key, { hit, eventId: e.id })
    // Bounded: a guard only matters within one transaction's events.
    if (lastSent.size > 10_000) lastSent.delete(lastSent.keys().next().value as string)
    return true
  }
}

/**
 * The form a portal POSTs to an online handler (api-reference/events/index.md "What Comes to the Handler"):
 * `event`, `event_handler_id`, `data[FIELDS][ID]`, `ts`, `auth[…]`, in PHP bracket notation, urlencoded.
 */
export function handlerForm(fields: {
  event: string
  handlerId: number
  data: { FIELDS: { ID: number | string } }
  ts: number
  auth: Readonly<Record<string, string | number>>
}): URLSearchParams {
  const form = new URLSearchParams()
  form.append('event', fields.event)
  form.append('event_handler_id', String(fields.handlerId))
  form.append('data[FIELDS][ID]', String(fields.data.FIELDS.ID))
  form.append('ts', String(fields.ts))
  for (const [k, v] of Object.entries(fields.auth)) form.append(`auth[${k}]`, String(v))
  return form
}

/**
 * The two relay subscribers of Bitrix24's event API, fed by the outbox:
 *
 * - **online** (`bitrix24-online`): for each workgroup event, POSTs the portal's form to every handler bound to it
 *   (read from `store` at delivery, so every instance sends to the same handlers). As a portal, it does not retry:
 *   a handler that fails or does not answer within `timeoutMs` is reported to `onHandlerFailure` and skipped
 *   (api-reference/events/index.md, "No retries"). Only a failure to read the bindings is retried, by the relay.
 * - **offline** (`bitrix24-offline`): queues the event for every offline binding, for `event.offline.get`; one row
 *   per group and event name keeps the latest change (offline-events.md).
 *
 * Register both with `createRelay({ subscribers: [...createBitrixEventSubscribers(…)] })` on every instance.
 */
export function createBitrixEventSubscribers(
  options: BitrixEventSubscriberOptions,
): [OutboxSubscriber, OutboxSubscriber] {
  const timeoutMs = options.timeoutMs ?? 10_000
  const send = options.fetch ?? fetch
  const serverEndpoint = options.portal.serverEndpoint ?? 'https://oauth.bitrix.info/rest/'
  const onlineGuard = createHitGuard()
  const offlineGuard = createHitGuard()

  async function authFor(binding: EventBinding, actor: string): Promise<Record<string, string | number> | null> {
    const app = await options.applications.byClientId(binding.clientId)
    if (!app) return null
    const userId = binding.userId > 0 ? String(binding.userId) : actor
    const tokens = (await options.applications.tokensFor?.(binding.clientId, userId)) ?? null
    const portal = {
      domain: options.portal.domain,
      server_endpoint: serverEndpoint,
      client_endpoint: options.portal.clientEndpoint,
      member_id: options.portal.memberId,
    }
    return tokens
      ? {
          access_token: tokens.access_token,
          expires_in: tokens.expires_in,
          scope: app.scope ?? 'sonet_group',
          domain: portal.domain,
          server_endpoint: portal.server_endpoint,
          status: app.status ?? 'L',
          client_endpoint: portal.client_endpoint,
          member_id: portal.member_id,
          application_token: app.applicationToken,
        }
      : {
          domain: portal.domain,
          client_endpoint: portal.client_endpoint,
          server_endpoint: portal.server_endpoint,
          member_id: portal.member_id,
          application_token: app.applicationToken,
        }
  }

  async function post(binding: EventBinding, name: BitrixEventName, e: OutboxEvent): Promise<void> {
    let status: number | null = null
    try {
      const auth = await authFor(binding, e.event.actor)
      if (!auth) return
      const body = handlerForm({
        event: name,
        handlerId: binding.id,
        data: eventData(e.groupId),
        ts: Math.floor(e.event.at.getTime() / 1000),
        auth,
      })
      const response = await send(binding.handler, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
      })
      status = response.status
      await response.body?.cancel().catch(() => {})
      if (status < 200 || status > 299) throw new Error(`handler answered HTTP ${status}`)
    } catch (error) {
      try {
        options.onHandlerFailure?.({ binding, event: name, outboxId: e.id, status, error })
      } catch {
        // A failing hook changes nothing.
      }
    }
  }

  const online: OutboxSubscriber = {
    id: options.ids?.online ?? 'bitrix24-online',
    accepts,
    async deliver(e) {
      const name = bitrixEventOf(e.event)
      if (!name) return
      // Read first: a failure here rejects, and the relay retries before any handler was called.
      const bindings = (await options.store.bindingsOf(name)).filter((b) => b.handler !== '')
      if (!onlineGuard(e, name)) return
      await Promise.all(bindings.map((b) => post(b, name, e)))
    },
  }

  const offline: OutboxSubscriber = {
    id: options.ids?.offline ?? 'bitrix24-offline',
    accepts,
    async deliver(e) {
      const name = bitrixEventOf(e.event)
      if (!name) return
      const bindings = (await options.store.bindingsOf(name)).filter((b) => b.handler === '')
      if (!offlineGuard(e, name)) return
      const data = eventData(e.groupId)
      // EventOfflineTable::getMessageId: md5 of the event name and the JSON of its data.
      const messageId = createHash('md5')
        .update(`${name}|${JSON.stringify(data)}`)
        .digest('hex')
      for (const b of bindings) {
        await options.store.enqueue({
          clientId: b.clientId,
          connectorId: b.connectorId,
          messageId,
          event: name,
          data,
          additional: { user_id: e.event.actor },
          at: e.event.at,
        })
      }
    },
  }
  return [online, offline]
}
