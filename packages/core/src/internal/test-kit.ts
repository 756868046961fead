import type { DomainEvent } from '../domain/events.js'
import { createJoinery, type JoineryOptions } from '../joinery.js'
import type { Clock } from '../ports/clock.js'
import { createInMemorySocialGraph } from '../stores/in-memory-social-graph.js'
import { createInMemoryStore } from '../stores/in-memory-store.js'

/** A clock that only moves when told to. Used by tests. */
export function createManualClock(start = new Date('2026-11-23T12:00:00Z')) {
  let ms = start.getTime()
  const clock: Clock & { advance(byMs: number): void } = {
    now: () => new Date(ms),
    advance: (byMs) => {
      ms += byMs
    },
  }
  return clock
}

/** A Joinery over an in-memory store, a manual clock, a social graph and a sink that records what it gets. */
export function createTestKit(options: Partial<JoineryOptions> = {}) {
  const store = createInMemoryStore()
  const clock = createManualClock()
  const graph = createInMemorySocialGraph()
  const published: DomainEvent[] = []
  const joinery = createJoinery({
    store,
    clock,
    socialGraph: graph,
    events: { publish: (events) => void published.push(...events) },
    ...options,
  })
  /** Creates an open group owned by `owner` and returns it (throws if that fails: a broken fixture). */
  async function groupOf(settings: Partial<Parameters<typeof joinery.createGroup>[0]> = {}) {
    return (
      await joinery.createGroup({ actor: 'owner', name: 'Climbers', admission: 'open', ...settings })
    )._unsafeUnwrap()
  }
  /** Creates a link to the group and returns its code. */
  async function linkTo(groupId: string, settings: Partial<Parameters<typeof joinery.createJoinLink>[0]> = {}) {
    return (await joinery.createJoinLink({ actor: 'owner', groupId, ...settings }))._unsafeUnwrap().code
  }
  return { joinery, store, clock, graph, published, groupOf, linkTo }
}
