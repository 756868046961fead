import { createInMemoryStore, createJoinery } from '@joinery/core'
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
 * requestJoin into an open group on the in-memory store vs the Map baseline, one join at a time. The two run in
 * alternating blocks of 1,000 joins, so a machine shared with other work slows both alike and the ratio holds.
 */
export async function benchCore(n = 30_000) {
  const joinery = createJoinery({ store: createInMemoryStore({ eventLogLimit: 1000 }) })
  const group = (await joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' }))._unsafeUnwrap()
  const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
  const baseline = createMapBaseline()
  baseline.setup('g', 'c')
  // Warm both up on users that are not measured.
  for (let i = 0; i < 2000; i++) {
    await joinery.requestJoinByCode({ actor: `warm${i}`, code })
    await baseline.join(`warm${i}`, 'c')
  }
  const joinJoinery = async (user: string) => {
    const r = await joinery.requestJoinByCode({ actor: user, code })
    if (r.isErr() || r.value.status !== 'joined') throw new Error('join failed in the benchmark')
  }
  const joinBaseline = (user: string) => baseline.join(user, 'c')
  const subject: Side = { latencies: [], elapsed: 0 }
  const reference: Side = { latencies: [], elapsed: 0 }
  const block = 1000
  for (let from = 0; from < n; from += block) {
    const to = Math.min(n, from + block)
    await measureBlock(subject, from, to, joinJoinery)
    await measureBlock(reference, from, to, joinBaseline)
  }
  return {
    joinery: figuresOf(subject.latencies, subject.elapsed),
    baseline: figuresOf(reference.latencies, reference.elapsed),
  }
}
