import { createJoinery } from '@joinery/core'
import { describe, expect, it, vi } from 'vitest'
import { backoffDelay } from './internal/backoff.js'
import {
  appendJoins,
  gated,
  recordingSubscriber,
  subjectsByGroup,
  unpublishedCount,
  usePglite,
} from './internal/test-kit.js'
import { pgliteListener } from './listeners.js'
import { createRelay, type DeliveryReport } from './relay.js'

const lite = usePglite('relay')
const fresh = lite.fresh

const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`)

describe(createRelay, () => {
  it('delivers every event to every subscriber once, in order per group, and publishes it', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    const joinery = createJoinery({ store })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'G', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    for (const actor of ['ann', 'bob']) (await joinery.requestJoinByCode({ actor, code }))._unsafeUnwrap()
    await appendJoins(store, 'other', 250)
    const a = recordingSubscriber('a')
    const b = recordingSubscriber('b')
    const relay = createRelay({ db, schema, subscribers: [a, b], batchSize: 40 })
    await relay.deliverPending()

    for (const s of [a, b]) {
      expect(s.received.filter((e) => e.groupId === group.id).map((e) => e.type)).toEqual([
        'GroupCreated',
        'JoinLinkCreated',
        'MemberJoined',
        'MemberJoined',
      ])
      expect(subjectsByGroup(s.received).get('other')).toEqual(users(0, 250))
      expect(s.calls).toHaveLength(254)
    }
    expect(a.received[0]?.event.at).toBeInstanceOf(Date)
    expect(Object.keys(a.received[0] ?? {}).sort()).toEqual(['createdAt', 'event', 'groupId', 'id', 'type'])
    expect(await unpublishedCount(db, schema)).toBe(0)
    expect((await store.outbox.unpublished(10))._unsafeUnwrap()).toEqual([])
    // Nothing is due any more: a second pass delivers nothing.
    await relay.deliverPending()
    expect(a.calls).toHaveLength(254)
  })

  it('gives each subscriber only the types and groups it accepts; events nobody wants are published', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g1', 3)
    await appendJoins(store, 'g2', 3)
    ;(
      await store.transaction((tx) =>
        tx.appendEvents([{ type: 'MemberLeft', groupId: 'g1', actor: 'u0', at: new Date() }]),
      )
    )._unsafeUnwrap()
    const onlyG2 = recordingSubscriber('g2-only', { accepts: (e) => e.groupId === 'g2' })
    const onlyLeft = recordingSubscriber('left-only', { accepts: (e) => e.type === 'MemberLeft' })
    await createRelay({ db, schema, subscribers: [onlyG2, onlyLeft] }).deliverPending()
    expect(subjectsByGroup(onlyG2.received)).toEqual(new Map([['g2', users(0, 3)]]))
    expect(onlyLeft.received.map((e) => `${e.groupId}:${e.type}`)).toEqual(['g1:MemberLeft'])
    expect(await unpublishedCount(db, schema)).toBe(0)
  })

  it('retries a failing subscriber with back-off, in order, without holding the others back', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 5)
    let down = true
    const flaky = recordingSubscriber('flaky', { fail: () => down })
    const steady = recordingSubscriber('steady')
    const reports: DeliveryReport[] = []
    const relay = createRelay({
      db,
      schema,
      subscribers: [flaky, steady],
      // Retries are due 100 ms after a failure: a pass started sooner finds nothing due and returns.
      backoff: { initialMs: 100, maxMs: 100 },
      random: () => 1,
      hooks: { onDelivery: (r) => reports.push(r) },
    })
    await relay.deliverPending()
    // The steady one has everything; the flaky one tried the first event once and waits.
    expect(subjectsByGroup(steady.received).get('g')).toEqual(users(0, 5))
    expect(flaky.calls.map((e) => e.event.actor)).toEqual(['u0'])
    expect(reports.filter((r) => r.subscriber === 'flaky').map((r) => [r.outcome, r.attempt])).toEqual([['failed', 1]])
    expect(reports.find((r) => r.outcome === 'failed')?.nextAttemptAt).toBeInstanceOf(Date)
    expect(await unpublishedCount(db, schema)).toBe(5)

    // Attempt 2 after the back-off, still failing.
    await new Promise((r) => setTimeout(r, 150))
    await relay.deliverPending()
    expect(flaky.calls.map((e) => e.event.actor)).toEqual(['u0', 'u0'])

    down = false
    await new Promise((r) => setTimeout(r, 150))
    await relay.deliverPending()
    expect(subjectsByGroup(flaky.received).get('g')).toEqual(users(0, 5))
    expect(steady.calls).toHaveLength(5)
    expect(reports.filter((r) => r.subscriber === 'flaky').map((r) => r.attempt)).toEqual([1, 2, 3, 1, 1, 1, 1])
    expect(await unpublishedCount(db, schema)).toBe(0)
    const stats = await relay.stats()
    expect(stats.find((s) => s.subscriber === 'flaky')).toMatchObject({
      pending: 0,
      retrying: 0,
      dead: 0,
      attempts: 7,
      delivered: 5,
      failures: 2,
      deadLettered: 0,
      lagMs: 0,
    })
  })

  it('dead-letters an event after maxAttempts, moves on, and replays it to that subscriber only', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 3)
    let poisoned = true
    const picky = recordingSubscriber('picky', { fail: (e) => poisoned && e.event.actor === 'u1' })
    const other = recordingSubscriber('other')
    const relay = createRelay({
      db,
      schema,
      subscribers: [picky, other],
      maxAttempts: 2,
      backoff: { initialMs: 100, maxMs: 100 },
      random: () => 1,
    })
    await relay.deliverPending()
    expect(picky.calls.map((e) => e.event.actor)).toEqual(['u0', 'u1'])
    await new Promise((r) => setTimeout(r, 150))
    await relay.deliverPending()
    expect(picky.received.map((e) => e.event.actor)).toEqual(['u0', 'u2'])
    expect(picky.calls.map((e) => e.event.actor)).toEqual(['u0', 'u1', 'u1', 'u2'])
    expect(await unpublishedCount(db, schema)).toBe(0)

    const dead = await relay.deadLetters()
    expect(dead.map((d) => [d.subscriber, d.event.event.actor, d.attempts, d.error])).toEqual([
      ['picky', 'u1', 2, expect.stringContaining('refused')],
    ])
    expect((await relay.stats()).find((s) => s.subscriber === 'picky')).toMatchObject({ dead: 1, deadLettered: 1 })

    poisoned = false
    expect(await relay.replay({ subscriber: 'picky' })).toBe(1)
    await relay.deliverPending()
    expect(picky.received.map((e) => e.event.actor)).toEqual(['u0', 'u2', 'u1'])
    expect(other.calls).toHaveLength(3)
    expect(await relay.deadLetters()).toEqual([])
    expect(await unpublishedCount(db, schema)).toBe(0)
    expect(await relay.replay()).toBe(0)
  })

  it('prunes published events past the retention, never pending ones or dead letters', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 4)
    const sub = recordingSubscriber('s', { fail: (e) => e.event.actor === 'u3' })
    const relay = createRelay({ db, schema, subscribers: [sub], maxAttempts: 1, retentionMs: 60_000 })
    await relay.deliverPending()
    await appendJoins(store, 'h', 2)
    expect(await relay.prune()).toBe(0)
    await db.query(
      `UPDATE ${schema}.outbox SET published_at = now() - interval '2 minutes' WHERE published_at IS NOT NULL`,
    )
    expect(await relay.prune()).toBe(3)
    const left = await db.query<{ actor: string; group_id: string }>(
      `SELECT event->>'actor' AS actor, group_id FROM ${schema}.outbox ORDER BY id`,
    )
    expect(left.rows).toEqual([
      { actor: 'u3', group_id: 'g' },
      { actor: 'u0', group_id: 'h' },
      { actor: 'u1', group_id: 'h' },
    ])
    expect(await createRelay({ db, schema, subscribers: [sub], retentionMs: null }).prune()).toBe(0)
    // The group whose stream was dropped while idle gets a new one with its next event.
    await appendJoins(store, 'g', 1, 10)
    await relay.deliverPending()
    expect(sub.received.map((e) => e.event.actor)).toEqual(['u0', 'u1', 'u2', 'u0', 'u1', 'u10'])
  })

  it('wakes on NOTIFY instead of waiting for its next poll, and stops cleanly', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    const sub = recordingSubscriber('s')
    const relay = createRelay({
      db,
      schema,
      subscribers: [sub],
      listener: pgliteListener(lite.pglite),
      pollIntervalMs: 3_600_000,
    })
    await relay.start()
    // The first poll ran at start, with nothing to do; the next is an hour away.
    await new Promise((r) => setTimeout(r, 50))
    await appendJoins(store, 'g', 2)
    await vi.waitFor(() => expect(sub.received).toHaveLength(2), { timeout: 10_000 })
    await relay.stop()
    await appendJoins(store, 'g', 1, 2)
    await new Promise((r) => setTimeout(r, 50))
    expect(sub.received).toHaveLength(2)
  })

  it('on stop, finishes the delivery in flight, records it and gives the group back at once', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 3)
    const g = gated()
    const slow = recordingSubscriber('slow', { deliver: g.deliver })
    const relay = createRelay({ db, schema, subscribers: [slow] })
    await relay.start()
    await g.inFlight
    const stopped = relay.stop()
    g.open()
    await stopped
    expect(slow.received.map((e) => e.event.actor)).toEqual(['u0'])
    const streams = await db.query(`SELECT lease_owner, lease_until, retry_at FROM ${schema}.outbox_streams`)
    expect(streams.rows).toEqual([{ lease_owner: null, lease_until: null, retry_at: null }])
    expect(await unpublishedCount(db, schema)).toBe(2)
    // Another instance picks the rest up at once, with nothing delivered twice.
    const next = recordingSubscriber('slow')
    await createRelay({ db, schema, subscribers: [next] }).deliverPending()
    expect(next.received.map((e) => e.event.actor)).toEqual(['u1', 'u2'])
  })

  it('records nothing for a group whose lease another instance took over', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 2)
    const g1 = gated()
    const first = recordingSubscriber('s', { deliver: g1.deliver })
    const running = createRelay({
      db,
      schema,
      subscribers: [first],
      instanceId: 'first',
      batchSize: 1,
    }).deliverPending()
    await g1.inFlight
    // The first instance stalls past its lease: the second takes the group over and stalls in turn.
    await db.query(`UPDATE ${schema}.outbox_streams SET lease_until = now() - interval '1 second'`)
    const g2 = gated()
    const second = recordingSubscriber('s', { deliver: g2.deliver })
    const taking = createRelay({ db, schema, subscribers: [second], instanceId: 'second' }).deliverPending()
    await g2.inFlight
    g1.open()
    await running
    // The first delivered the event it held (at least once) but recorded nothing, went no further and left the
    // second's lease alone.
    expect(first.received.map((e) => e.event.actor)).toEqual(['u0'])
    const streams = await db.query(`SELECT lease_owner FROM ${schema}.outbox_streams`)
    expect(streams.rows).toEqual([{ lease_owner: 'second' }])
    g2.open()
    await taking
    expect(second.received.map((e) => e.event.actor)).toEqual(['u0', 'u1'])
    expect(await unpublishedCount(db, schema)).toBe(0)
  })

  it('sets aside a group it cannot handle until the next poll instead of spinning, and reports why', async () => {
    const { schema, store } = await fresh()
    const db = lite.db
    await appendJoins(store, 'g', 1)
    let broken = true
    const errors: unknown[] = []
    const sub = recordingSubscriber('s', {
      accepts: () => {
        if (broken) throw new Error('a filter that throws')
        return true
      },
    })
    const relay = createRelay({
      db,
      schema,
      subscribers: [sub],
      pollIntervalMs: 100,
      hooks: { onError: (e) => errors.push(e) },
    })
    await relay.deliverPending()
    expect(errors).toEqual([new Error('a filter that throws')])
    broken = false
    await relay.deliverPending()
    expect(sub.received).toHaveLength(0)
    await new Promise((r) => setTimeout(r, 150))
    await relay.deliverPending()
    expect(sub.received).toHaveLength(1)
  })

  it('refuses duplicate subscriber ids and bad numbers', () => {
    const db = lite.db
    expect(() => createRelay({ db, subscribers: [recordingSubscriber('x'), recordingSubscriber('x')] })).toThrow(
      RangeError,
    )
    expect(() => createRelay({ db, subscribers: [], batchSize: 0 })).toThrow(RangeError)
  })
})

describe(backoffDelay, () => {
  it('doubles from initialMs up to maxMs, with a jitter of up to half', () => {
    const b = { initialMs: 100, maxMs: 1_000 }
    expect([1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, b, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000])
    expect([1, 2, 5].map((n) => backoffDelay(n, b, () => 0))).toEqual([50, 100, 500])
    expect(backoffDelay(1, {}, () => 1)).toBe(1_000)
    expect(backoffDelay(100, {}, () => 1)).toBe(600_000)
  })
})
