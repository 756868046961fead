import { errAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { storageError, storageUnavailable } from './domain/errors.js'
import type { DomainEvent } from './domain/events.js'
import { createManualClock } from './internal/test-kit.js'
import { createJoinery } from './joinery.js'
import type { MembershipStore } from './ports/membership-store.js'
import { createInMemoryStore } from './stores/in-memory-store.js'

describe(createJoinery, () => {
  it('creates a group, a link, and lets a user join through it', async () => {
    const joinery = createJoinery({ store: createInMemoryStore() })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    const link = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    const joined = (await joinery.requestJoinByCode({ actor: 'alice', code: link.code }))._unsafeUnwrap()
    expect(joined.status).toBe('joined')
    expect(joined.group.memberCount).toBe(2)
  })

  it('publishes events after the commit, in order, and writes them to the store outbox', async () => {
    const store = createInMemoryStore()
    const seen: string[][] = []
    const joinery = createJoinery({
      store,
      clock: createManualClock(),
      events: { publish: (events) => void seen.push(events.map((e) => e.type)) },
    })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'G', initialMembers: ['a'] }))._unsafeUnwrap()
    expect(seen).toEqual([['GroupCreated', 'MemberJoined']])
    expect(store.recentEvents().map((e) => e.type)).toEqual(['GroupCreated', 'MemberJoined'])
    await joinery.lockGroup({ actor: 'a', groupId: group.id })
    expect(seen).toHaveLength(1)
  })

  it('keeps a command that succeeded when the event sink throws, and reports the failure', async () => {
    const failures: { error: unknown; events: readonly DomainEvent[] }[] = []
    const joinery = createJoinery({
      store: createInMemoryStore(),
      events: {
        publish: () => {
          throw new Error('sink down')
        },
      },
      onSinkError: (error, events) => failures.push({ error, events }),
    })
    const group = await joinery.createGroup({ actor: 'owner', name: 'G' })
    expect(group.isOk()).toBe(true)
    expect(failures).toHaveLength(1)
    expect(failures[0]?.events.map((e) => e.type)).toEqual(['GroupCreated'])
    const stored = await joinery.getGroup({ groupId: group._unsafeUnwrap().id })
    expect(stored.isOk()).toBe(true)
  })

  it('turns a failing store into StorageError, publishing nothing', async () => {
    const published: DomainEvent[] = []
    const broken: MembershipStore = { transaction: () => errAsync(storageError('disk on fire')) }
    const joinery = createJoinery({ store: broken, events: { publish: (e) => void published.push(...e) } })
    const r = await joinery.createGroup({ actor: 'owner', name: 'G' })
    expect(r._unsafeUnwrapErr()).toEqual({ code: 'StorageError', message: 'disk on fire' })
    expect(published).toEqual([])
  })

  it('ends a command with StorageUnavailable, unchanged, when a store call answers it', async () => {
    const inner = createInMemoryStore()
    const down = storageUnavailable('database paused')
    // The store runs the transaction but its first read answers StorageUnavailable, as a paused database would
    // (joins read their group through readJoinState).
    const paused: MembershipStore = {
      transaction: (work) =>
        inner.transaction((tx) =>
          work({
            ...tx,
            getGroup: () => errAsync(down),
            lockGroup: () => errAsync(down),
            readJoinState: () => errAsync(down),
          }),
        ),
    }
    const joinery = createJoinery({ store: paused })
    expect((await joinery.requestJoin({ actor: 'a', groupId: 'g1' }))._unsafeUnwrapErr()).toBe(down)
    expect((await joinery.getGroup({ groupId: 'g1' }))._unsafeUnwrapErr()).toBe(down)
  })

  it('keeps StorageUnavailable from an id generator that rejects with it', async () => {
    const down = storageUnavailable('database paused')
    const joinery = createJoinery({
      store: createInMemoryStore(),
      ids: { newGroupId: () => Promise.reject(down), newId: () => 'id', newCode: () => 'code-code-code-code' },
    })
    expect((await joinery.createGroup({ actor: 'owner', name: 'G' }))._unsafeUnwrapErr()).toBe(down)
  })
})
