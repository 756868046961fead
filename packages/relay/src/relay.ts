import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { SqlDatabase } from '@joinery/postgres-store'
import type { MeterProvider } from '@opentelemetry/api'
import { type Backoff, backoffDelay } from './internal/backoff.js'
import { relayMetrics } from './internal/metrics.js'
import {
  type Claimed,
  type DeadLetter,
  type LoadedEvent,
  type OutcomeRow,
  outboxSql,
  type SubscriberBacklog,
} from './internal/outbox-sql.js'
import type { OutboxListener } from './listeners.js'
import type { RelayEvent, Subscriber } from './subscriber.js'

export type { DeadLetter, SubscriberBacklog } from './internal/outbox-sql.js'

/** What became of one delivery attempt. */
export interface DeliveryReport {
  readonly subscriber: string
  readonly event: RelayEvent
  /** 1 for the first attempt (counted across instances and restarts, from the recorded state). */
  readonly attempt: number
  /** `failed`: will be retried at `nextAttemptAt`; `dead`: the last allowed attempt failed, the event is a dead letter. */
  readonly outcome: 'delivered' | 'failed' | 'dead'
  /** What `deliver` rejected with (`undefined` when delivered). */
  readonly error: unknown
  readonly durationMs: number
  /** From the event's transaction to the end of this attempt. */
  readonly lagMs: number
  readonly nextAttemptAt: Date | null
}

/** Called by the relay as things happen. A hook that throws is ignored. */
export interface RelayHooks {
  /** After each delivery attempt. */
  onDelivery?(report: DeliveryReport): void
  /** When the relay's own work fails (the database unreachable, a lease query refused). It retries by itself. */
  onError?(error: unknown): void
}

export interface RelayOptions {
  /** The database of the store (`fromPgPool(pool)` or `fromPglite(pglite)`), migrated (`migrate`, step 5 and on). */
  readonly db: SqlDatabase
  /** The store's schema. Default `joinery`. */
  readonly schema?: string
  /** Where events go. Register the same list, with the same ids, on every instance. */
  readonly subscribers: readonly Subscriber[]
  /** Wakes the relay when events are appended (`pgListener(pool)`, `pgliteListener(pglite)`); else it only polls. */
  readonly listener?: OutboxListener
  /** How often to look for due work when nothing woke it. Default 1,000 ms. */
  readonly pollIntervalMs?: number
  /** How long a claimed group stays this instance's without renewal (renewed every third of it). Default 30,000 ms. */
  readonly leaseMs?: number
  /** Groups delivered at once by this instance. Default 16. */
  readonly concurrency?: number
  /** Events read per round on a group, and written back per transaction. Default 100. */
  readonly batchSize?: number
  /** Attempts per (event, subscriber) before it becomes a dead letter. Default 10. */
  readonly maxAttempts?: number
  readonly backoff?: Backoff
  /**
   * How long published events stay in the outbox; older ones are deleted (never one holding a dead letter).
   * `null` keeps them forever. Default 30 days. Readers of the outbox's history (a protocol's event log) see this far.
   */
  readonly retentionMs?: number | null
  /** How often pruning runs while started. Default 60,000 ms. */
  readonly pruneIntervalMs?: number
  readonly hooks?: RelayHooks
  /**
   * Where the OpenTelemetry metrics go (see the README). Default: the global provider of `@opentelemetry/api`, a
   * no-op until the host registers one.
   */
  readonly meterProvider?: MeterProvider
  /** Names this instance in leases. Default host name, process id and a random suffix. */
  readonly instanceId?: string
  /** For the back-off's jitter. Default `Math.random`. */
  readonly random?: () => number
}

export interface SubscriberStats extends SubscriberBacklog {
  readonly subscriber: string
  /** Age of its oldest pending event (0 when none): how far behind it is, across every instance. */
  readonly lagMs: number
  /** Counted by this instance since it was created. */
  readonly attempts: number
  readonly delivered: number
  readonly failures: number
  readonly deadLettered: number
  readonly lastError: string | null
}

/** The outbox relay: see the package README for its guarantees. */
export interface Relay {
  readonly instanceId: string
  /** Starts listening and delivering in the background. */
  start(): Promise<void>
  /**
   * Stops claiming; lets each delivery in flight finish, records it and gives every held group back at once
   * (another instance takes over without waiting for the lease to expire). Resolves when all is released. The
   * relay's observable gauges stop reporting.
   */
  stop(): Promise<void>
  /** Delivers everything due now and returns: for hosts that drive it themselves (a cron job), and tests. */
  deliverPending(): Promise<void>
  /** Per subscriber: backlog and lag from the database, attempts and failures seen by this instance. */
  stats(): Promise<SubscriberStats[]>
  /** Events a subscriber gave up on, oldest first. */
  deadLetters(query?: { readonly subscriber?: string; readonly limit?: number }): Promise<DeadLetter[]>
  /**
   * Queues dead letters again (all, a subscriber's, or the given event ids): each is retried from attempt 1, to its
   * dead subscriber only. Answers how many deliveries were queued. A replayed event arrives after later events of
   * its group that were already delivered.
   */
  replay(query?: { readonly subscriber?: string; readonly eventIds?: readonly string[] }): Promise<number>
  /** Deletes published events older than the retention now; answers how many. */
  prune(): Promise<number>
}

interface Counters {
  attempts: number
  delivered: number
  failures: number
  deadLettered: number
  lastError: string | null
}

/** The shortest time between two claims woken by notifications. */
const CLAIM_GAP_MS = 10

const errorText = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, 1_000) || 'delivery failed'

/**
 * Makes a relay for the outbox of a Joinery PostgreSQL store.
 * @example
 * const relay = createRelay({ db, subscribers: [createWebhookSubscriber({ id: 'crm', url, secret })], listener: pgListener(pool) })
 * await relay.start()
 * process.on('SIGTERM', () => relay.stop())
 */
export function createRelay(options: RelayOptions): Relay {
  const schema = options.schema ?? 'joinery'
  const sql = outboxSql(options.db, schema)
  const subscribers = options.subscribers
  const ids = subscribers.map((s) => s.id)
  if (new Set(ids).size !== ids.length) throw new RangeError('subscriber ids must be unique')
  for (const id of ids)
    if (id.length === 0 || id.length > 200) throw new RangeError('a subscriber id has 1 to 200 characters')
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const leaseMs = options.leaseMs ?? 30_000
  const concurrency = options.concurrency ?? 16
  const batchSize = options.batchSize ?? 100
  const maxAttempts = options.maxAttempts ?? 10
  const backoff = options.backoff ?? {}
  const retentionMs = options.retentionMs === undefined ? 30 * 86_400_000 : options.retentionMs
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000
  const random = options.random ?? Math.random
  const owner = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  for (const [name, value] of Object.entries({ pollIntervalMs, leaseMs, concurrency, batchSize, maxAttempts }))
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1`)

  const counters = new Map<string, Counters>(
    ids.map((id) => [id, { attempts: 0, delivered: 0, failures: 0, deadLettered: 0, lastError: null }]),
  )
  const safely = (f: () => void) => {
    try {
      f()
    } catch {
      // a hook's failure is the host's; delivery goes on
    }
  }
  const reportError = (error: unknown) => safely(() => options.hooks?.onError?.(error))
  const report = (r: DeliveryReport) => {
    const c = counters.get(r.subscriber)
    if (c) {
      c.attempts++
      if (r.outcome === 'delivered') c.delivered++
      else {
        c.failures++
        c.lastError = errorText(r.error)
        if (r.outcome === 'dead') c.deadLettered++
      }
    }
    telemetry.record(r)
    safely(() => options.hooks?.onDelivery?.(r))
  }

  let stopping = false
  /** Groups being drained by this instance. */
  const active = new Map<string, Promise<void>>()
  /** Groups whose lease this instance lost while draining them. */
  const lost = new Set<string>()

  let woken = false
  let wakeSleeper: (() => void) | null = null
  const wake = () => {
    woken = true
    wakeSleeper?.()
  }
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) {
        woken = false
        resolve()
        return
      }
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        wakeSleeper = null
        woken = false
        resolve()
      }
      wakeSleeper = done
    })

  /** One subscriber's pass over a batch, in order; stops at its first delivery that must wait. */
  async function runSubscriber(
    subscriber: Subscriber,
    batch: readonly LoadedEvent[],
    blocked: Map<string, Date | null>,
    outcomes: OutcomeRow[],
    undone: Set<string>,
    groupId: string,
  ): Promise<void> {
    for (const loaded of batch) {
      const { deliveries, ...event } = loaded
      if (blocked.has(subscriber.id)) {
        undone.add(event.id)
        continue
      }
      const row = deliveries.get(subscriber.id)
      if (row?.state === 'delivered' || row?.state === 'dead') continue
      if (subscriber.accepts && !subscriber.accepts(event)) continue
      if (row?.state === 'failed' && row.nextAt !== null && row.nextAt.getTime() > Date.now()) {
        blocked.set(subscriber.id, row.nextAt)
        undone.add(event.id)
        continue
      }
      if (stopping || lost.has(groupId)) {
        blocked.set(subscriber.id, null)
        undone.add(event.id)
        continue
      }
      const attempt = (row?.attempts ?? 0) + 1
      const started = performance.now()
      const base = { subscriber: subscriber.id, event, attempt }
      try {
        await subscriber.deliver(event)
        outcomes.push({
          eventId: event.id,
          subscriber: subscriber.id,
          state: 'delivered',
          attempts: attempt,
          nextAt: null,
          error: null,
        })
        const now = Date.now()
        report({
          ...base,
          outcome: 'delivered',
          error: undefined,
          durationMs: performance.now() - started,
          lagMs: now - event.createdAt.getTime(),
          nextAttemptAt: null,
        })
      } catch (error) {
        const now = Date.now()
        const dead = attempt >= maxAttempts
        const nextAt = dead ? null : new Date(now + backoffDelay(attempt, backoff, random))
        outcomes.push({
          eventId: event.id,
          subscriber: subscriber.id,
          state: dead ? 'dead' : 'failed',
          attempts: attempt,
          nextAt,
          error: errorText(error),
        })
        if (!dead) {
          blocked.set(subscriber.id, nextAt)
          undone.add(event.id)
        }
        report({
          ...base,
          outcome: dead ? 'dead' : 'failed',
          error,
          durationMs: performance.now() - started,
          lagMs: now - event.createdAt.getTime(),
          nextAttemptAt: nextAt,
        })
      }
    }
  }

  /** Delivers a claimed group's pending events, batch by batch, then gives the group back. */
  async function drain(claimed: Claimed): Promise<void> {
    const { groupId } = claimed
    /** Subscribers that must wait on this group: until when (null: not before the next claim). */
    const blocked = new Map<string, Date | null>()
    let after = '0'
    let drained = true
    try {
      for (;;) {
        if (stopping || lost.has(groupId)) {
          drained = false
          break
        }
        const batch = await sql.load(groupId, after, batchSize)
        const last = batch.at(-1)
        if (last === undefined) break
        after = last.id
        const outcomes: OutcomeRow[] = []
        const undone = new Set<string>()
        await Promise.all(subscribers.map((s) => runSubscriber(s, batch, blocked, outcomes, undone, groupId)))
        const done = batch.filter((e) => !undone.has(e.id))
        const kept = outcomes.filter((o) => undone.has(o.eventId) || o.state === 'dead')
        const hadRows = done.some((e) => e.deliveries.size > 0)
        const recorded = await sql.record(
          owner,
          groupId,
          done.map((e) => e.id),
          kept,
          hadRows,
        )
        if (!recorded) return // the lease ran out: another instance has the group and redoes what was not recorded
        if (undone.size > 0) drained = false
        // A short batch was all there was; read again anyway while events keep arriving, rather than give the
        // group back and claim it again.
      }
      let retryAt: Date | null = null
      if (!stopping)
        for (const until of blocked.values())
          if (until !== null && (retryAt === null || until < retryAt)) retryAt = until
      await sql.release(owner, groupId, drained ? claimed.seq : null, drained ? null : retryAt)
    } catch (error) {
      reportError(error)
      // Give it back if the database answers (if not, the lease expires), not due again before the next poll:
      // an event that cannot be read, or a filter that throws, must not keep the relay spinning.
      await sql.release(owner, groupId, null, new Date(Date.now() + pollIntervalMs)).catch(() => {})
    }
  }

  function launch(claimed: Claimed): Promise<void> {
    const run = drain(claimed).finally(() => {
      active.delete(claimed.groupId)
      lost.delete(claimed.groupId)
      wake()
    })
    active.set(claimed.groupId, run)
    return run
  }

  /** Claims run one at a time (the loop and `deliverPending` may both claim): a group is never drained twice here. */
  let claiming: Promise<unknown> = Promise.resolve()
  function claimSome(room: number): Promise<Promise<void>[]> {
    const next = claiming.then(async () => {
      const claimed = await sql.claim(owner, room, leaseMs, [...active.keys()])
      return claimed.filter((c) => !active.has(c.groupId)).map(launch)
    })
    claiming = next.catch(() => {})
    return next
  }

  async function renewLeases(): Promise<void> {
    const held = [...active.keys()]
    if (held.length === 0) return
    try {
      const still = await sql.renew(owner, held, leaseMs)
      for (const g of held) if (!still.has(g) && active.has(g)) lost.add(g)
    } catch (error) {
      reportError(error)
    }
  }

  async function pruneAll(): Promise<number> {
    if (retentionMs === null) return 0
    let total = 0
    for (;;) {
      const n = await sql.prune(new Date(Date.now() - retentionMs), 5_000)
      total += n
      if (n < 5_000) return total
    }
  }

  async function stats(): Promise<SubscriberStats[]> {
    return Promise.all(
      ids.map(async (id) => {
        const backlog = await sql.backlog(id)
        const c = counters.get(id) as Counters
        return {
          subscriber: id,
          ...backlog,
          lagMs: backlog.oldestPendingAt ? Math.max(0, Date.now() - backlog.oldestPendingAt.getTime()) : 0,
          ...c,
        }
      }),
    )
  }
  const telemetry = relayMetrics(options.meterProvider, stats)

  let loop: Promise<void> | null = null
  let timers: NodeJS.Timeout[] = []
  let unlisten: (() => Promise<void>) | null = null

  async function run(): Promise<void> {
    let lastClaim = 0
    while (!stopping) {
      const room = concurrency - active.size
      let claimed = 0
      if (room > 0) {
        lastClaim = Date.now()
        try {
          claimed = (await claimSome(room)).length
        } catch (error) {
          reportError(error)
        }
      }
      // With room left, nothing more is due now; with none, a finishing group wakes the loop.
      if (claimed === 0 || active.size >= concurrency) {
        await sleep(pollIntervalMs)
        // Every committed write notifies: under load, claim at most once per CLAIM_GAP_MS rather than per commit.
        const gap = lastClaim + CLAIM_GAP_MS - Date.now()
        if (gap > 0 && !stopping) await new Promise((r) => setTimeout(r, gap))
      }
    }
  }

  return {
    instanceId: owner,
    async start() {
      if (loop) return
      stopping = false
      if (options.listener)
        unlisten = await options.listener.listen((payload) => {
          if (payload === schema || payload === '*') wake()
        })
      timers = [setInterval(() => void renewLeases(), Math.max(1, Math.floor(leaseMs / 3)))]
      if (retentionMs !== null) timers.push(setInterval(() => void pruneAll().catch(reportError), pruneIntervalMs))
      for (const t of timers) t.unref()
      loop = run()
    },
    async stop() {
      stopping = true
      wake()
      await loop
      loop = null
      await Promise.all(active.values())
      for (const t of timers) clearInterval(t)
      timers = []
      await unlisten?.()
      unlisten = null
      telemetry.close()
    },
    async deliverPending() {
      // Leases are renewed while it runs, as when started (a long backlog outlasts a lease).
      const renewing = loop ? null : setInterval(() => void renewLeases(), Math.max(1, Math.floor(leaseMs / 3)))
      try {
        for (;;) {
          const runs = await claimSome(concurrency)
          if (runs.length === 0) {
            await Promise.all(active.values())
            return
          }
          await Promise.all(runs)
        }
      } finally {
        if (renewing) clearInterval(renewing)
      }
    },
    stats,
    deadLetters: (query = {}) => sql.deadLetters(query.subscriber ?? null, query.limit ?? 100),
    async replay(query = {}) {
      const n = await sql.replay(query.subscriber ?? null, query.eventIds ?? null, ids)
      if (n > 0) wake()
      return n
    },
    prune: pruneAll,
  }
}
