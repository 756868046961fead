// Bitrix24's event API over the outbox: bindings through the official SDK as an application (B24OAuth), workgroup
// events delivered by @joinery/relay to a real HTTP handler in the portal's form, and the offline queue. Each case
// names the docs page (bitrix24/b24restdocs, api-reference/…) it checks.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { Agent, request } from 'node:https'
import type { AddressInfo } from 'node:net'
import { ApiVersion, B24OAuth } from '@bitrix24/b24jssdk'
import { PGlite } from '@electric-sql/pglite'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { createPostgresStore, fromPglite, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { createRelay } from '@joinery/relay'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookAuth } from '../auth.js'
import { createBitrixHandler } from '../handler.js'
import { sdkErrorOf } from '../internal/test-portal.js'
import { createThrowawayCertificate, type Listening, listen } from '../node.js'
import { parsePhpParams } from '../wire/php-params.js'
import { createInMemoryApplications } from './applications.js'
import { EVENTS_OUTSIDE_BITRIX } from './catalogue.js'
import { createInMemoryEventStore } from './event-store.js'
import { createPostgresEventStore } from './postgres-event-store.js'
import { createEventSinkFeed } from './sink-feed.js'
import { createBitrixEventSubscribers } from './subscribers.js'

let pglite: PGlite
let db: SqlDatabase
let schemas = 0
let tls: Awaited<ReturnType<typeof createThrowawayCertificate>>
let trusting: Agent

/** A handler that records each POST (its content type and the parsed form) and answers `status`. */
async function startReceiver(status = 200) {
  const received: { contentType: string; form: Record<string, unknown> }[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        contentType: req.headers['content-type'] ?? '',
        form: parsePhpParams(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/handler`
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A portal on its own schema: the core on PGlite, the adapter with the event API, a relay with both subscribers. */
async function startPortal(kind: StoreKind) {
  const schema = `events_${schemas++}`
  await migrate(db, schema)
  const joinery = createJoinery({ store: createPostgresStore(db, { schema }), ids: createSequentialIdGenerator() })
  const apps = createInMemoryApplications({ memberId: 'member-1' })
  const app = apps.install({ clientId: 'local.app.1' })
  const store = kind === 'postgres' ? createPostgresEventStore(db, { schema }) : createInMemoryEventStore()
  const handler = createBitrixHandler({
    joinery,
    auth: { ...createWebhookAuth([{ userId: '1', code: 'hook-1' }]), ...apps.auth },
    administrators: ['1'],
    events: { store, applications: apps.applications },
    rateLimit: false,
  })
  const https: Listening = await listen(handler, { tls })
  const failures: unknown[] = []
  const subscribers = createBitrixEventSubscribers({
    store,
    applications: apps.applications,
    portal: { domain: new URL(https.url).host, memberId: 'member-1', clientEndpoint: `${https.url}/rest/` },
    onHandlerFailure: (f) => failures.push(f),
  })
  const relay = createRelay({ db, schema, subscribers })

  /** The official SDK as the application, acting as `userId` (an OAuth grant of the app). */
  function sdkAs(userId: string) {
    const grant = apps.grant(app.clientId, userId)
    const b24 = new B24OAuth(
      {
        applicationToken: grant.application_token,
        userId: grant.user_id,
        memberId: grant.member_id,
        accessToken: grant.access_token,
        refreshToken: grant.refresh_token,
        expires: grant.expires,
        expiresIn: grant.expires_in,
        scope: grant.scope,
        domain: new URL(https.url).host,
        clientEndpoint: `${https.url}/rest/`,
        serverEndpoint: 'https://oauth.bitrix.info/rest/',
        status: 'L',
      },
      { clientId: app.clientId, clientSecret: 'unused' },
    )
    b24.offClientSideWarning()
    b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = trusting
    const call = async <T = unknown>(method: string, params: Record<string, unknown> = {}) =>
      ((await b24.actions.v2.call.make<T>({ method, params })).getData() as { result: T }).result
    return { b24, call }
  }
  return { joinery, app, store, relay, sdkAs, failures, httpsUrl: https.url, close: () => https.close() }
}

beforeAll(async () => {
  pglite = new PGlite()
  db = fromPglite(pglite)
  tls = await createThrowawayCertificate()
  trusting = new Agent({ ca: tls.cert })
}, 60_000)
afterAll(async () => {
  trusting.destroy()
  await pglite.close()
})

const GROUP_EVENTS = ['ONSONETGROUPADD', 'ONSONETGROUPUPDATE', 'ONSONETGROUPDELETE'] as const

type StoreKind = 'memory' | 'postgres'

// Every case runs on both event stores: in memory, and in PostgreSQL (migration 9) on the store's own database.
describe.each<StoreKind>(['memory', 'postgres'])('Bitrix24 events through the outbox, bindings %s', (kind) => {
  it('binds a handler through the SDK and delivers create, update and delete in the portal form (api-reference/events/index.md, api-reference/sonet-group/events/on-sonet-group-add.md, on-sonet-group-update.md, on-sonet-group-delete.md)', async () => {
    const portal = await startPortal(kind)
    const receiver = await startReceiver()
    try {
      const admin = portal.sdkAs('1')
      for (const event of GROUP_EVENTS)
        expect(await admin.call('event.bind', { event: event.toLowerCase(), handler: receiver.url })).toBe(true)

      const id = await admin.call<number>('sonet_group.create', { NAME: 'Climbers', VISIBLE: 'Y', OPENED: 'Y' })
      expect(await admin.call('sonet_group.update', { GROUP_ID: id, NAME: 'Climbers 2' })).toBeTruthy()
      // A membership change is not a Bitrix24 event: nothing is sent for it.
      await portal.sdkAs('2').call('sonet_group.user.request', { GROUP_ID: id })
      expect(await admin.call('sonet_group.delete', { GROUP_ID: id })).toBe(true)
      await portal.relay.deliverPending()

      expect(receiver.received.map((r) => r.form.event)).toEqual([...GROUP_EVENTS])
      const [added] = receiver.received
      expect(added?.contentType).toBe('application/x-www-form-urlencoded')
      expect(added?.form).toEqual({
        event: 'ONSONETGROUPADD',
        event_handler_id: '1',
        data: { FIELDS: { ID: String(id) } },
        ts: expect.stringMatching(/^\d{10}$/),
        auth: {
          access_token: expect.stringMatching(/^[0-9a-f]{32}$/),
          expires_in: '3600',
          scope: 'sonet_group,socialnetwork,user',
          domain: new URL(portal.httpsUrl).host,
          server_endpoint: 'https://oauth.bitrix.info/rest/',
          status: 'L',
          client_endpoint: `${portal.httpsUrl}/rest/`,
          member_id: 'member-1',
          application_token: portal.app.applicationToken,
        },
      })
      expect(receiver.received.map((r) => r.form.event_handler_id)).toEqual(['1', '2', '3'])
      for (const r of receiver.received) expect((r.form.data as { FIELDS: { ID: string } }).FIELDS.ID).toBe(String(id))
      expect(portal.failures).toEqual([])
    } finally {
      await receiver.close()
      await portal.close()
    }
  })

  it('sends one update per group and transaction, as a portal per hit (CSocNetGroupRestProxy; api-reference/sonet-group/events/on-sonet-group-update.md)', async () => {
    const portal = await startPortal(kind)
    const receiver = await startReceiver()
    try {
      const admin = portal.sdkAs('1')
      await admin.call('event.bind', { event: 'ONSONETGROUPUPDATE', handler: receiver.url })
      const id = await admin.call<number>('sonet_group.create', { NAME: 'Hikers', OPENED: 'Y' })
      await portal.sdkAs('3').call('sonet_group.user.request', { GROUP_ID: id })
      // One call that renames, hands over and archives: three domain events, one ONSONETGROUPUPDATE.
      await admin.call('sonet_group.update', { GROUP_ID: id, NAME: 'Hikers 2', OWNER_ID: 3, CLOSED: 'Y' })
      await portal.relay.deliverPending()
      expect(receiver.received.map((r) => r.form.event)).toEqual(['ONSONETGROUPUPDATE'])
    } finally {
      await receiver.close()
      await portal.close()
    }
  })

  it('does not send again to a handler that failed: a portal has no retries (api-reference/events/index.md, "No retries")', async () => {
    const portal = await startPortal(kind)
    const receiver = await startReceiver(500)
    try {
      await portal.sdkAs('1').call('event.bind', { event: 'ONSONETGROUPADD', handler: receiver.url })
      await portal.sdkAs('1').call('sonet_group.create', { NAME: 'Failing' })
      await portal.relay.deliverPending()
      await portal.relay.deliverPending()
      expect(receiver.received).toHaveLength(1)
      expect(portal.failures).toEqual([expect.objectContaining({ event: 'ONSONETGROUPADD', status: 500 })])
    } finally {
      await receiver.close()
      await portal.close()
    }
  })

  it('queues the three events for an offline binding; event.offline.get returns them and clears them (api-reference/events/offline-events.md, event-offline-get.md, event-offline-clear.md)', async () => {
    const portal = await startPortal(kind)
    try {
      const admin = portal.sdkAs('1')
      for (const event of GROUP_EVENTS) await admin.call('event.bind', { event, event_type: 'offline' })
      expect(await admin.call('event.get')).toEqual(
        GROUP_EVENTS.map((event) => ({ event, connector_id: '', offline: 1 })),
      )
      const id = await admin.call<number>('sonet_group.create', { NAME: 'Offline' })
      await admin.call('sonet_group.update', { GROUP_ID: id, DESCRIPTION: 'first' })
      await admin.call('sonet_group.update', { GROUP_ID: id, DESCRIPTION: 'second' })
      await admin.call('sonet_group.delete', { GROUP_ID: id })
      await portal.relay.deliverPending()

      // The queue keeps one row per object and event: two updates are one row (offline-events.md).
      const listed = await admin.b24.actions.v2.call.make({ method: 'event.offline.list', params: {} })
      expect(listed.getTotal()).toBe(3)

      // clear=0 reserves: the rows come back with a process id and stay until event.offline.clear.
      const reserved = await admin.call<{ process_id: string; events: Record<string, unknown>[] }>(
        'event.offline.get',
        { clear: 0 },
      )
      expect(reserved.process_id).toMatch(/^[0-9a-f]{32}$/)
      expect(reserved.events.map((e) => e.EVENT_NAME)).toEqual([...GROUP_EVENTS])
      expect(reserved.events[0]).toEqual({
        ID: expect.stringMatching(/^\d+$/),
        TIMESTAMP_X: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        EVENT_NAME: 'ONSONETGROUPADD',
        EVENT_DATA: { FIELDS: { ID: id } },
        EVENT_ADDITIONAL: { user_id: '1' },
        MESSAGE_ID: expect.stringMatching(/^[0-9a-f]{32}$/),
      })
      // A reserved batch is hidden from other readers (event-offline-get.md: parallel requests get disjoint sets).
      expect((await admin.call<{ events: unknown[] }>('event.offline.get', { clear: 0 })).events).toEqual([])
      expect(await admin.call('event.offline.clear', { process_id: reserved.process_id })).toBe(true)
      expect(await admin.call('event.offline.list')).toEqual([])

      // The default (clear=1) deletes what it returns at once.
      await admin.call('sonet_group.create', { NAME: 'Again' })
      await portal.relay.deliverPending()
      const taken = await admin.call<{ process_id: null; events: unknown[] }>('event.offline.get')
      expect(taken.process_id).toBeNull()
      expect(taken.events).toHaveLength(1)
      expect(await admin.call('event.offline.list')).toEqual([])
    } finally {
      await portal.close()
    }
  })

  it('flags rows with event.offline.error and reads them with error=1 (api-reference/events/event-offline-error.md)', async () => {
    const portal = await startPortal(kind)
    try {
      const admin = portal.sdkAs('1')
      await admin.call('event.bind', { event: 'ONSONETGROUPADD', event_type: 'offline' })
      await admin.call('sonet_group.create', { NAME: 'E1' })
      await admin.call('sonet_group.create', { NAME: 'E2' })
      await portal.relay.deliverPending()
      const batch = await admin.call<{ process_id: string; events: { MESSAGE_ID: string; ID: string }[] }>(
        'event.offline.get',
        { clear: 0 },
      )
      const [bad, good] = batch.events
      expect(
        await admin.call('event.offline.error', { process_id: batch.process_id, message_id: [bad?.MESSAGE_ID] }),
      ).toBe(true)
      expect(await admin.call('event.offline.clear', { process_id: batch.process_id, id: [good?.ID] })).toBe(true)
      expect(
        (await admin.call<{ ID: string; ERROR: string; PROCESS_ID: string }[]>('event.offline.list')).map((r) => [
          r.ID,
          r.ERROR,
          r.PROCESS_ID,
        ]),
      ).toEqual([[bad?.ID, '1', '']])
      expect((await admin.call<{ events: unknown[] }>('event.offline.get')).events).toEqual([])
      const errors = await admin.call<{ events: { ID: string }[] }>('event.offline.get', { error: 1 })
      expect(errors.events.map((e) => e.ID)).toEqual([bad?.ID])
    } finally {
      await portal.close()
    }
  })

  it('answers the documented errors (api-reference/events/event-bind.md, event-unbind.md, event-offline-get.md)', async () => {
    const portal = await startPortal(kind)
    try {
      const admin = portal.sdkAs('1')
      const user = portal.sdkAs('2')
      const bind = (sdk: typeof admin, params: Record<string, unknown>) =>
        sdkErrorOf(sdk.b24.actions.v2.call.make({ method: 'event.bind', params }))
      expect(await bind(admin, { event: 'ONSONETGROUPJOIN', handler: 'https://app.example.com/h' })).toMatchObject({
        code: 'ERROR_EVENT_NOT_FOUND',
        status: 400,
        message: 'Event not found',
      })
      expect(await bind(user, { event: 'ONSONETGROUPADD', event_type: 'offline' })).toMatchObject({
        code: 'ACCESS_DENIED',
        status: 403,
        message: 'Access denied! Offline events binding requires administrator access rights',
      })
      expect(
        await bind(user, { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h', auth_type: 1 }),
      ).toMatchObject({
        code: 'ACCESS_DENIED',
        status: 403,
        message: 'Access denied! Event binding with AUTH_TYPE requires administrator access rights',
      })
      expect(await bind(admin, { event: 'ONSONETGROUPADD' })).toMatchObject({ code: 'ERROR_ARGUMENT', status: 400 })
      expect(await bind(admin, { event: 'ONSONETGROUPADD', handler: 'http://localhost/h' })).toMatchObject({
        code: 'ERROR_WRONG_HANDLER_URL',
      })
      expect(await bind(admin, { event: 'ONSONETGROUPADD', handler: 'ftp://app.example.com/h' })).toMatchObject({
        code: 'ERROR_UNSUPPORTED_PROTOCOL',
      })
      expect(await admin.call('event.bind', { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h' })).toBe(
        true,
      )
      expect(await bind(admin, { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h' })).toMatchObject({
        code: 'ERROR_CORE',
        message: 'Unable to set event handler: Handler already binded',
      })
      // A non-administrator binds as themselves and sees only their own bindings (event-get.md).
      expect(await user.call('event.bind', { event: 'ONSONETGROUPDELETE', handler: 'https://app.example.com/u' })).toBe(
        true,
      )
      expect(await user.call('event.get')).toEqual([
        { event: 'ONSONETGROUPDELETE', handler: 'https://app.example.com/u', auth_type: '2', offline: 0 },
      ])
      expect(await admin.call('event.get')).toEqual([
        { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h', auth_type: '0', offline: 0 },
        { event: 'ONSONETGROUPDELETE', handler: 'https://app.example.com/u', auth_type: '2', offline: 0 },
      ])
      expect(
        await user.call('event.unbind', { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h' }),
      ).toEqual({
        count: 0,
      })
      expect(
        await admin.call('event.unbind', { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h' }),
      ).toEqual({
        count: 1,
      })
      expect(
        await sdkErrorOf(user.b24.actions.v2.call.make({ method: 'event.offline.get', params: {} })),
      ).toMatchObject({ code: 'ACCESS_DENIED', status: 403, message: 'Access denied!' })
      // PostgreSQL text cannot hold U+0000: such input is an argument error, not a 500, and writes nothing.
      expect(
        await bind(admin, { event: 'ONSONETGROUPADD', handler: 'https://app.example.com/\u0000', auth_connector: 'x' }),
      ).toMatchObject({ code: 'ERROR_ARGUMENT', status: 400 })
      expect(
        await sdkErrorOf(
          admin.b24.actions.v2.call.make({ method: 'event.offline.clear', params: { process_id: 'a\u0000' } }),
        ),
      ).toMatchObject({ code: 'ERROR_ARGUMENT', status: 400 })
      // events (events.md): the application's events; no membership events exist.
      expect(await admin.call('events')).toEqual([...GROUP_EVENTS])
      expect(await admin.call('events', { SCOPE: 'user' })).toEqual([])
    } finally {
      await portal.close()
    }
  })

  it('refuses an incoming webhook with WRONG_AUTH_TYPE: events need an application (api-reference/events/event-bind.md)', async () => {
    const portal = await startPortal(kind)
    try {
      // An incoming webhook, as a curl-shaped JSON post over the throwaway certificate.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          `${portal.httpsUrl}/rest/1/hook-1/event.bind`,
          { method: 'POST', agent: trusting, headers: { 'content-type': 'application/json' } },
          (res) => {
            let body = ''
            res.on('data', (c) => (body += c))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
          },
        )
        req.on('error', reject)
        req.end(JSON.stringify({ event: 'ONSONETGROUPADD', handler: 'https://app.example.com/h' }))
      })
      expect(answer.status).toBe(403)
      expect(JSON.parse(answer.body)).toEqual({
        error: 'WRONG_AUTH_TYPE',
        error_description: 'Current authorization type is denied for this method',
      })
      expect(await portal.store.bindings('local.app.1')).toEqual([])
    } finally {
      await portal.close()
    }
  })
})

describe(createEventSinkFeed, () => {
  it('feeds the same subscribers from the in-memory store through the EventSink (api-reference/events/index.md)', async () => {
    const apps = createInMemoryApplications()
    const app = apps.install({ clientId: 'local.app.mem' })
    const store = createInMemoryEventStore()
    const received: string[] = []
    const subscribers = createBitrixEventSubscribers({
      store,
      applications: apps.applications,
      portal: { domain: 'portal.example.com', memberId: 'm', clientEndpoint: 'https://portal.example.com/rest/' },
      fetch: async (_url, init) => {
        received.push(String(new URLSearchParams(String(init?.body)).get('event')))
        return new Response(null, { status: 200 })
      },
    })
    const feed = createEventSinkFeed(subscribers)
    const joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator(), events: feed })
    const handler = createBitrixHandler({
      joinery,
      auth: apps.auth,
      administrators: ['1'],
      events: { store, applications: apps.applications },
      rateLimit: false,
    })
    const https = await listen(handler, { tls })
    try {
      const grant = apps.grant(app.clientId, '1')
      const b24 = new B24OAuth(
        {
          applicationToken: grant.application_token,
          userId: 1,
          memberId: grant.member_id,
          accessToken: grant.access_token,
          refreshToken: grant.refresh_token,
          expires: grant.expires,
          expiresIn: grant.expires_in,
          scope: grant.scope,
          domain: new URL(https.url).host,
          clientEndpoint: `${https.url}/rest/`,
          serverEndpoint: 'https://oauth.bitrix.info/rest/',
          status: 'L',
        },
        { clientId: app.clientId, clientSecret: 'unused' },
      )
      b24.offClientSideWarning()
      b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = trusting
      const call = async (method: string, params: Record<string, unknown>) =>
        (await b24.actions.v2.call.make({ method, params })).getData()?.result
      for (const event of GROUP_EVENTS) await call('event.bind', { event, handler: 'https://app.example.com/h' })
      const id = await call('sonet_group.create', { NAME: 'In memory' })
      await call('sonet_group.update', { GROUP_ID: id, NAME: 'In memory 2' })
      await call('sonet_group.delete', { GROUP_ID: id })
      await feed.idle()
      expect(received).toEqual([...GROUP_EVENTS])
    } finally {
      await https.close()
    }
  })
})

describe('the Bitrix24 event catalogue', () => {
  it('lists the domain events no Bitrix24 event carries (api-reference/sonet-group/events/index.md has only add, update, delete)', () => {
    expect(EVENTS_OUTSIDE_BITRIX).toEqual([
      'JoinLinkCreated',
      'JoinLinkChanged',
      'JoinRequested',
      'MemberInvited',
      'JoinRequestApproved',
      'JoinRequestRejected',
      'JoinRequestWithdrawn',
      'JoinRequestExpired',
      'MemberJoined',
      'MemberLeft',
      'MemberKicked',
      'UserBanned',
      'UserUnbanned',
      'RoleChanged',
    ])
  })
})
