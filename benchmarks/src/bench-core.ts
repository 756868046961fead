import {
  createInMemoryStore,
  createJoinery,
  type DomainEvent,
  type Membership,
  type StorageFailure,
  type StoreTx,
  storageError,
} from '@joinery/core'
import { err, ok, type Result, ResultAsync } from 'neverthrow'
import { figuresOf } from './stats.js'

/** The same checks as an open-link join, written by hand on plain Maps: the fastest honest baseline. */
function createMapBaseline() {
  const groups = new Map<string, { limit: number | null; count: number; locked: boolean }>()
  const links = new Map<string, { groupId: string; enabled: boolean; expiresAt: number | null }>()
  const members = new Map<string, Map<string, { joinedAt: number; code: string }>>()
  const removals = new Set<string>()
  return {
    setup(groupId: string, code: string) {
      groups.set(groupId, { limit: null, count: 0, locked: false })
      links.set(code, { groupId, enabled: true, expiresAt: null })
      members.set(groupId, new Map())
    },
    async join(user: string, code: string): Promise<'joined' | string> {
      const link = links.get(code)
      if (!link) return 'InvalidCode'
      const group = groups.get(link.groupId)
      const roster = members.get(link.groupId)
      if (!group || !roster) return 'GroupNotFound'
      if (roster.has(user)) return 'joined'
      if (removals.has(`${link.groupId}:${user}`)) return 'UserKicked'
      if (group.locked) return 'GroupLocked'
      if (!link.enabled) return 'LinkDisabled'
      if (link.expiresAt !== null && link.expiresAt <= Date.now()) return 'LinkExpired'
      if (group.limit !== null && group.count >= group.limit) return 'MemberLimitReached'
      roster.set(user, { joinedAt: Date.now(), code })
      group.count++
      return 'joined'
    },
  }
}

/** A ResultAsync's native promise (awaiting the ResultAsync itself costs two more microtasks). */
const settled = <T, E>(r: ResultAsync<T, E>): Promise<Result<T, E>> => r.then((x) => x) as Promise<Result<T, E>>

/** Latencies and elapsed time of one side, gathered block by block. */
interface Side {
  readonly latencies: number[]
  elapsed: number
}

async function measureBlock(side: Side, from: number, to: number, join: (user: string) => Promise<unknown>) {
  const started = performance.now()
  for (let i = from; i < to; i++) {
    const t = performance.now()
    await join(`user${i}`)
    side.latencies.push(performance.now() - t)
  }
  side.elapsed += performance.now() - started
}

/**
 * A join's store work alone, on a store of its own: the five calls `requestJoinByCode` makes for an open link (read
 * the join state under the lock, insert the membership, count the use on the link, stamp the group's activity, append
 * the event) in one transaction, with the rows built as the command builds them. What the command adds on top of it
 * (validation, the decision, the event and the answer) is the difference between the two sides.
 */
async function createStoreAlone() {
  const store = createInMemoryStore({ eventLogLimit: 1000 })
  const joinery = createJoinery({ store })
  const group = (await joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' }))._unsafeUnwrap()
  const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
  const target = { code }
  const lock = { lock: true }
  // Plain async code around the calls, as the core's commands have (a neverthrow chain would cost more than it).
  const work = async (tx: StoreTx, user: string): Promise<Result<void, StorageFailure>> => {
    const state = await settled(tx.readJoinState(target, user, lock))
    const g = state.isOk() ? state.value.group : null
    if (!g) return err(storageError('no group in the store benchmark'))
    const at = new Date()
    const membership: Membership = {
      groupId: g.id,
      userId: user,
      role: 'member',
      joinedAt: at,
      source: { kind: 'link', code },
      addedBy: null,
    }
    const event: DomainEvent = {
      type: 'MemberJoined',
      groupId: g.id,
      actor: user,
      at,
      subject: user,
      code,
      requestId: null,
    }
    const steps = [
      await settled(tx.insertMembership(membership, g.memberLimit)),
      await settled(tx.countOnLink(code, { uses: 1 })),
      await settled(tx.updateGroup(g.id, { lastActivityAt: at })),
      await settled(tx.appendEvents([event])),
    ]
    for (const r of steps) if (r.isErr()) return err(r.error)
    return ok(undefined)
  }
  return async (user: string) => {
    const r = await settled(store.transaction((tx) => new ResultAsync(work(tx, user))))
    if (r.isErr()) throw new Error('store join failed in the benchmark')
  }
}

/** An empty transaction on the in-memory store, through the same harness: what a transaction costs by itself. */
function createEmptyTransaction() {
  const store = createInMemoryStore({ eventLogLimit: 1000 })
  const nothing = async (): Promise<Result<void, StorageFailure>> => ok(undefined)
  return async () => {
    const r = await settled(store.transaction(() => new ResultAsync(nothing())))
    if (r.isErr()) throw new Error('empty transaction failed in the benchmark')
  }
}

/**
 * requestJoin into an open group on the in-memory store vs the Map baseline, one join at a time, with the store's
 * share measured alongside. The sides run in alternating blocks of 1,000 joins, so a machine shared with other work
 * slows them alike and the ratio holds. Each side is first warmed up on 20,000 joins that are not measured, so the
 * figures are those of a service that has been running for a few seconds (its code optimised by the JIT), not of its
 * first milliseconds.
 */
export async function benchCore(n = 30_000, warmUp = 20_000) {
  const joinery = createJoinery({ store: createInMemoryStore({ eventLogLimit: 1000 }) })
  const group = (await joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' }))._unsafeUnwrap()
  const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
  const baseline = createMapBaseline()
  baseline.setup('g', 'c')
  const storeAlone = await createStoreAlone()
  const emptyTransaction = createEmptyTransaction()
  const joinJoinery = async (user: string) => {
    const r = await joinery.requestJoinByCode({ actor: user, code })
    if (r.isErr() || r.value.status !== 'joined') throw new Error('join failed in the benchmark')
  }
  const joinBaseline = (user: string) => baseline.join(user, 'c')
  for (let i = 0; i < warmUp; i++) {
    await joinJoinery(`warm${i}`)
    await joinBaseline(`warm${i}`)
    await storeAlone(`warm${i}`)
    await emptyTransaction()
  }
  const subject: Side = { latencies: [], elapsed: 0 }
  const reference: Side = { latencies: [], elapsed: 0 }
  const store: Side = { latencies: [], elapsed: 0 }
  const empty: Side = { latencies: [], elapsed: 0 }
  const block = 1000
  for (let from = 0; from < n; from += block) {
    const to = Math.min(n, from + block)
    await measureBlock(subject, from, to, joinJoinery)
    await measureBlock(reference, from, to, joinBaseline)
    await measureBlock(store, from, to, storeAlone)
    await measureBlock(empty, from, to, emptyTransaction)
  }
  return {
    joinery: figuresOf(subject.latencies, subject.elapsed),
    baseline: figuresOf(reference.latencies, reference.elapsed),
    storeAlone: figuresOf(store.latencies, store.elapsed),
    emptyTransaction: figuresOf(empty.latencies, empty.elapsed),
  }
}
