import { ok, type ResultAsync, safeTry } from 'neverthrow'
import type {
  JoinLink,
  JoinRequest,
  JoinRequestStatus,
  ListKey,
  Membership,
  MembershipStore,
  StorageFailure,
  StoreTx,
  UserId,
} from '../index.js'
import type { RaceFixture } from './race-scenarios.js'

/**
 * A group's final state as plain, comparable data: no ids, codes or times, nothing that differs between two
 * correct runs of the same serial order.
 */
export interface RaceState {
  readonly group:
    | 'deleted'
    | {
        readonly name: string
        readonly description: string
        readonly ownerId: UserId
        readonly memberCount: number
        readonly memberLimit: number | null
        readonly lockStatus: string
        readonly admission: string
        readonly visibility: string
        readonly approvers: string
        readonly allowMultipleLinks: boolean
      }
  /** [userId, role], by user id. */
  readonly members: readonly (readonly [UserId, string])[]
  /** Per requester, by user id: how their latest request came and stands, and how many requests of each status. */
  readonly requests: readonly {
    readonly userId: UserId
    readonly latest: string | null
    readonly counts: Readonly<Partial<Record<JoinRequestStatus, number>>>
  }[]
  /** [userId, kind] of the named users' removals, by user id. */
  readonly removals: readonly (readonly [UserId, string])[]
  /** The links in the order they were made. */
  readonly links: readonly {
    readonly enabled: boolean
    readonly requireApproval: boolean
    readonly joinRule: string
    readonly maxUses: number | null
    readonly name: string | null
    readonly uses: number
    readonly pending: number
    readonly refusals: Readonly<Record<string, number>>
  }[]
}

const STATUSES: readonly JoinRequestStatus[] = ['pending', 'approved', 'rejected', 'withdrawn', 'expired']
const PAGE = 100

const byUser = <T extends readonly [UserId, ...unknown[]]>(a: T, b: T) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/** Every row of a keyset-paged list. */
function allPages<T>(
  read: (after: ListKey | null) => ResultAsync<readonly T[], StorageFailure>,
  keyOf: (row: T) => ListKey,
): ResultAsync<T[], StorageFailure> {
  return safeTry(async function* () {
    const rows: T[] = []
    let after: ListKey | null = null
    for (;;) {
      const page: readonly T[] = yield* read(after)
      rows.push(...page)
      const last = page.at(-1)
      if (page.length < PAGE || !last) return ok(rows)
      after = keyOf(last)
    }
  })
}

function sortedRecord(record: Readonly<Partial<Record<string, number>>>): Record<string, number> {
  const entries = Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] !== 0)
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)))
}

function linkState(link: JoinLink): RaceState['links'][number] {
  return {
    enabled: link.enabled,
    requireApproval: link.requireApproval,
    joinRule: link.joinRule,
    maxUses: link.maxUses,
    name: link.name,
    uses: link.counters.uses,
    pending: link.counters.pending,
    refusals: sortedRecord(link.counters.refusals),
  }
}

/** The links in the fixture's order (the order they were made); any other link after them, by name. */
function inFixtureOrder(links: readonly JoinLink[], fixture: RaceFixture): JoinLink[] {
  const rank = (l: JoinLink) => {
    const i = fixture.codes.indexOf(l.code)
    return i === -1 ? fixture.codes.length : i
  }
  return [...links].sort((a, b) => rank(a) - rank(b) || (a.name ?? '').localeCompare(b.name ?? ''))
}

function readState(tx: StoreTx, fixture: RaceFixture, users: readonly UserId[]) {
  return safeTry(async function* () {
    const groupId = fixture.groupId
    const group = yield* tx.getGroup(groupId)
    const members: Membership[] = yield* allPages(
      (after) => tx.listMembers(groupId, { after, limit: PAGE }),
      (m) => ({ at: m.joinedAt, id: m.userId }),
    )
    const requests: JoinRequest[] = []
    for (const status of STATUSES) {
      requests.push(
        ...(yield* allPages(
          (after) => tx.listRequests(groupId, status, { after, limit: PAGE }),
          (r) => ({ at: r.createdAt, id: r.id }),
        )),
      )
    }
    const requesters = [...new Set([...users, ...requests.map((r) => r.requesterId)])].sort()
    const requestStates: RaceState['requests'][number][] = []
    for (const userId of requesters) {
      const theirs = requests.filter((r) => r.requesterId === userId)
      const latest = yield* tx.getLatestRequest(groupId, userId)
      if (theirs.length === 0 && !latest) continue
      const counts: Partial<Record<JoinRequestStatus, number>> = {}
      for (const status of STATUSES) {
        const n = theirs.filter((r) => r.status === status).length
        if (n > 0) counts[status] = n
      }
      requestStates.push({ userId, latest: latest ? `${latest.status} via ${latest.via.kind}` : null, counts })
    }
    const removals: (readonly [UserId, string])[] = []
    for (const userId of [...new Set(users)]) {
      const removal = yield* tx.getRemoval(groupId, userId)
      if (removal) removals.push([userId, removal.kind])
    }
    const links = yield* tx.listLinks(groupId)
    const state: RaceState = {
      group: group
        ? {
            name: group.name,
            description: group.description,
            ownerId: group.ownerId,
            memberCount: group.memberCount,
            memberLimit: group.memberLimit,
            lockStatus: group.lockStatus,
            admission: group.admission,
            visibility: group.visibility,
            approvers: group.approvers,
            allowMultipleLinks: group.allowMultipleLinks,
          }
        : 'deleted',
      // Rows are read even for a deleted group: any left behind is a divergence.
      members: members.map((m) => [m.userId, m.role] as const).sort(byUser),
      requests: requestStates,
      removals: removals.sort(byUser),
      links: inFixtureOrder(links, fixture).map(linkState),
    }
    return ok(state)
  })
}

/**
 * Reads the final state of a scenario's group through the store port only, in one transaction.
 * Throws when the store fails: a harness that cannot read cannot judge.
 */
export async function readRaceState(
  store: MembershipStore,
  fixture: RaceFixture,
  users: readonly UserId[],
): Promise<RaceState> {
  const result = await store.transaction((tx) => readState(tx, fixture, users))
  if (result.isErr()) throw new Error(`could not read the final state: ${result.error.message}`)
  return result.value
}
