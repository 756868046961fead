// Only the public surface of the core: the scenarios are what any caller could do to one group at once.
import type { ResultAsync } from 'neverthrow'
import type { Caps, CreateGroupInput, CreateJoinLinkInput, GroupId, Joinery, UserId } from '../index.js'

/**
 * What a scenario's setup made, as plain JSON so another process can run the racing commands on it:
 * the group and its links' codes in the order they were made.
 */
export interface RaceFixture {
  readonly groupId: GroupId
  readonly codes: readonly string[]
  /** A user made for this trial alone, for scenarios on what a user owns (the group's owner is the same every trial). */
  readonly user?: UserId
}

/** `'ok'` (sometimes with the part of the answer that matters, `'ok:pending'`), or the error's code. */
export type RaceOutcome = string

export type RaceCommand = (joinery: Joinery, fixture: RaceFixture) => Promise<RaceOutcome>

/** Commands that, started together on one group, must end as some serial order of them would. */
export interface RaceScenario {
  readonly name: string
  /** The users whose removal the final state reports (members and requests are read for everyone). */
  readonly users: readonly UserId[]
  /** Makes a fresh group to race on, through Joinery commands. */
  setup(joinery: Joinery): Promise<RaceFixture>
  /** Two or more commands, started at the same time. */
  readonly commands: readonly RaceCommand[]
  /** The caps the core runs with (`createJoinery({ caps })`); the defaults when absent. */
  readonly caps?: Partial<Caps>
}

const OWNER = 'owner'
/** A moderator who may approve, add, kick and ban (the groups here let moderators approve). */
const MOD = 'mod'
const ALICE = 'alice'
const BOB = 'bob'

type Answer<T> = ResultAsync<T, { readonly code: string }>

async function okOrCode(answer: Answer<unknown>): Promise<RaceOutcome> {
  const r = await answer
  return r.isOk() ? 'ok' : r.error.code
}

/** A join's answer says whether the user is in or waiting, and whether this call changed anything. */
async function joinOutcome(answer: Answer<{ status: string; changed: boolean }>): Promise<RaceOutcome> {
  const r = await answer
  return r.isOk() ? `ok:${r.value.status}${r.value.changed ? '' : '-unchanged'}` : r.error.code
}

/** A decision that repeats an earlier one answers ok but changes nothing: that difference matters. */
async function decisionOutcome(answer: Answer<{ changed: boolean }>): Promise<RaceOutcome> {
  const r = await answer
  return r.isOk() ? (r.value.changed ? 'ok' : 'ok:unchanged') : r.error.code
}

async function kickOutcome(answer: Answer<{ removed: readonly UserId[] }>): Promise<RaceOutcome> {
  const r = await answer
  return r.isOk() ? `ok:removed=${r.value.removed.length}` : r.error.code
}

function unwrap<T>(result: { isOk(): boolean; _unsafeUnwrap(): T }, what: string): T {
  if (!result.isOk()) throw new Error(`race setup failed: ${what}: ${JSON.stringify(result)}`)
  return result._unsafeUnwrap()
}

/** A group of OWNER with MOD as a moderator who may approve, and `members` in it. */
async function aGroup(
  joinery: Joinery,
  settings: Partial<Pick<CreateGroupInput, 'admission' | 'memberLimit'>> & { members?: UserId[] } = {},
): Promise<GroupId> {
  const group = unwrap(
    await joinery.createGroup({
      actor: OWNER,
      name: 'Race',
      admission: settings.admission ?? 'open',
      memberLimit: settings.memberLimit ?? null,
      approvers: 'owner-and-moderators',
      initialMembers: [MOD, ...(settings.members ?? [])],
    }),
    'createGroup',
  )
  unwrap(await joinery.changeRole({ actor: OWNER, groupId: group.id, userId: MOD, role: 'moderator' }), 'changeRole')
  return group.id
}

async function aLink(
  joinery: Joinery,
  groupId: GroupId,
  settings: Omit<CreateJoinLinkInput, 'actor' | 'groupId'> = {},
): Promise<string> {
  return unwrap(await joinery.createJoinLink({ actor: OWNER, groupId, ...settings }), 'createJoinLink').code
}

async function aGroupWithLink(
  joinery: Joinery,
  link: Omit<CreateJoinLinkInput, 'actor' | 'groupId'> = {},
): Promise<RaceFixture> {
  const groupId = await aGroup(joinery)
  return { groupId, codes: [await aLink(joinery, groupId, link)] }
}

/** A group whose MOD may approve, where ALICE waits through a link that asks for approval (so counters show). */
async function aPendingRequest(joinery: Joinery): Promise<RaceFixture> {
  const fixture = await aGroupWithLink(joinery, { requireApproval: true })
  const joined = unwrap(await joinery.requestJoinByCode({ actor: ALICE, code: codeOf(fixture) }), 'requestJoinByCode')
  if (joined.status !== 'pending') throw new Error('race setup failed: the request is not pending')
  return fixture
}

function codeOf(fixture: RaceFixture): string {
  const code = fixture.codes[0]
  if (code === undefined) throw new Error('this scenario needs a join link in its fixture')
  return code
}

const joinByCode =
  (actor: UserId): RaceCommand =>
  (j, f) =>
    joinOutcome(j.requestJoinByCode({ actor, code: codeOf(f) }))
const ban =
  (actor: UserId, userId: UserId): RaceCommand =>
  (j, f) =>
    okOrCode(j.banUser({ actor, groupId: f.groupId, userId }))
const approve =
  (actor: UserId): RaceCommand =>
  (j, f) =>
    decisionOutcome(j.approveJoinRequest({ actor, groupId: f.groupId, userId: ALICE }))
const rename: RaceCommand = (j, f) => okOrCode(j.updateGroup({ actor: OWNER, groupId: f.groupId, name: 'Renamed' }))

const JOINERS = ['j1', 'j2', 'j3', 'j4', 'j5']

/** The scenarios every store must survive. Fixed user names: groups are fresh per trial, so names never collide. */
export const RACE_SCENARIOS: readonly RaceScenario[] = [
  {
    name: 'ban vs join by code',
    users: [ALICE],
    setup: (j) => aGroupWithLink(j),
    commands: [ban(MOD, ALICE), joinByCode(ALICE)],
  },
  {
    name: 'ban vs approve',
    users: [ALICE],
    setup: aPendingRequest,
    commands: [ban(OWNER, ALICE), approve(MOD)],
  },
  {
    name: 'ban vs add',
    users: [ALICE],
    setup: async (j) => ({ groupId: await aGroup(j), codes: [] }),
    commands: [
      ban(OWNER, ALICE),
      (j, f) => okOrCode(j.addMembers({ actor: MOD, groupId: f.groupId, userIds: [ALICE] })),
    ],
  },
  {
    name: 'approve vs reject',
    users: [ALICE],
    setup: aPendingRequest,
    commands: [
      approve(OWNER),
      (j, f) => decisionOutcome(j.rejectJoinRequest({ actor: MOD, groupId: f.groupId, userId: ALICE })),
    ],
  },
  {
    name: 'two approvers approve one request',
    users: [ALICE],
    setup: aPendingRequest,
    commands: [approve(OWNER), approve(MOD)],
  },
  {
    name: 'withdraw vs approve',
    users: [ALICE],
    setup: aPendingRequest,
    commands: [(j, f) => decisionOutcome(j.withdrawJoinRequest({ actor: ALICE, groupId: f.groupId })), approve(MOD)],
  },
  {
    name: 'join vs link edit turning on approval',
    users: [ALICE],
    setup: (j) => aGroupWithLink(j),
    commands: [
      joinByCode(ALICE),
      (j, f) => okOrCode(j.editJoinLink({ actor: OWNER, groupId: f.groupId, code: codeOf(f), requireApproval: true })),
    ],
  },
  {
    name: 'join vs link edit lowering maxUses',
    users: [ALICE, BOB],
    setup: async (j) => {
      const fixture = await aGroupWithLink(j, { maxUses: 2 })
      unwrap(await j.requestJoinByCode({ actor: BOB, code: codeOf(fixture) }), 'requestJoinByCode')
      return fixture
    },
    commands: [
      joinByCode(ALICE),
      (j, f) => okOrCode(j.editJoinLink({ actor: OWNER, groupId: f.groupId, code: codeOf(f), maxUses: 1 })),
    ],
  },
  {
    name: `${JOINERS.length} joins vs a link capped at 2 uses`,
    users: JOINERS,
    setup: (j) => aGroupWithLink(j, { maxUses: 2 }),
    commands: JOINERS.map(joinByCode),
  },
  {
    name: 'two joins for the last seat',
    users: [ALICE, BOB],
    // The owner and the moderator hold two of the three seats.
    setup: async (j) => ({ groupId: await aGroup(j, { memberLimit: 3 }), codes: [] }),
    commands: [ALICE, BOB].map(
      (actor): RaceCommand =>
        (j, f) =>
          joinOutcome(j.requestJoin({ actor, groupId: f.groupId })),
    ),
  },
  {
    name: 'join vs lock',
    users: [ALICE],
    setup: (j) => aGroupWithLink(j),
    commands: [joinByCode(ALICE), (j, f) => okOrCode(j.lockGroup({ actor: OWNER, groupId: f.groupId }))],
  },
  {
    name: 'lock vs rename',
    users: [],
    setup: async (j) => ({ groupId: await aGroup(j), codes: [] }),
    commands: [(j, f) => okOrCode(j.lockGroup({ actor: OWNER, groupId: f.groupId })), rename],
  },
  {
    name: 'permanent lock vs description change',
    users: [],
    setup: async (j) => ({ groupId: await aGroup(j), codes: [] }),
    commands: [
      (j, f) => okOrCode(j.lockGroup({ actor: OWNER, groupId: f.groupId, permanent: true })),
      (j, f) => okOrCode(j.updateGroup({ actor: OWNER, groupId: f.groupId, description: 'Changed' })),
    ],
  },
  {
    name: 'transfer ownership vs rename',
    users: [],
    setup: async (j) => ({ groupId: await aGroup(j), codes: [] }),
    commands: [(j, f) => okOrCode(j.transferOwnership({ actor: OWNER, groupId: f.groupId, newOwnerId: MOD })), rename],
  },
  {
    name: 'join vs group delete',
    users: [ALICE],
    setup: (j) => aGroupWithLink(j),
    commands: [joinByCode(ALICE), (j, f) => okOrCode(j.deleteGroup({ actor: OWNER, groupId: f.groupId }))],
  },
  {
    name: 'the same user asks twice at once',
    users: [ALICE],
    setup: async (j) => ({ groupId: await aGroup(j, { admission: 'approval' }), codes: [] }),
    commands: [0, 1].map((): RaceCommand => (j, f) => joinOutcome(j.requestJoin({ actor: ALICE, groupId: f.groupId }))),
  },
  {
    name: 'kick vs role change',
    users: [ALICE],
    setup: async (j) => ({ groupId: await aGroup(j, { members: [ALICE] }), codes: [] }),
    commands: [
      (j, f) => kickOutcome(j.removeMembers({ actor: MOD, groupId: f.groupId, userIds: [ALICE] })),
      (j, f) => okOrCode(j.changeRole({ actor: OWNER, groupId: f.groupId, userId: ALICE, role: 'moderator' })),
    ],
  },
  {
    name: 'leave vs kick',
    users: [ALICE],
    setup: async (j) => ({ groupId: await aGroup(j, { members: [ALICE] }), codes: [] }),
    commands: [
      (j, f) => okOrCode(j.leaveGroup({ actor: ALICE, groupId: f.groupId })),
      (j, f) => kickOutcome(j.removeMembers({ actor: MOD, groupId: f.groupId, userIds: [ALICE] })),
    ],
  },
  {
    name: 'two requests for the last pending place (a cap of 1 pending request per group)',
    users: [ALICE, BOB],
    caps: { pendingRequestsPerGroup: 1 },
    setup: async (j) => ({ groupId: await aGroup(j, { admission: 'approval' }), codes: [] }),
    commands: [ALICE, BOB].map(
      (actor): RaceCommand =>
        (j, f) =>
          joinOutcome(j.requestJoin({ actor, groupId: f.groupId })),
    ),
  },
  {
    name: "two createGroup calls of one user for the last group under the user's cap (2)",
    users: [],
    caps: { groupsPerUser: 2 },
    // A user of this trial alone owns one group; the racing calls would make their second and third. No group is
    // raced on (the fixture names none, and its state reads as deleted every trial): the outcomes tell it all.
    setup: async (j) => {
      const user = `creator-${Math.random().toString(36).slice(2)}`
      unwrap(await j.createGroup({ actor: user, name: 'First' }), 'createGroup')
      return { groupId: 'no-group-is-raced-on', codes: [], user }
    },
    commands: [0, 1].map(
      (): RaceCommand => (j, f) => okOrCode(j.createGroup({ actor: f.user ?? OWNER, name: 'Another' })),
    ),
  },
  {
    name: 'invite vs ban',
    users: [ALICE],
    setup: async (j) => ({ groupId: await aGroup(j, { admission: 'approval' }), codes: [] }),
    commands: [
      (j, f) => okOrCode(j.inviteMembers({ actor: OWNER, groupId: f.groupId, userIds: [ALICE] })),
      ban(MOD, ALICE),
    ],
  },
]

/**
 * The caps a scenario's core runs with: its own, and none besides, since the same owner makes a group in every trial
 * of every scenario on one database (thousands, past the default cap on groups per user).
 */
export function raceCaps(scenario: RaceScenario): Caps {
  return { pendingRequestsPerGroup: null, groupsPerUser: null, linksPerGroup: null, ...scenario.caps }
}

/** The scenario of this name; throws for an unknown one (a child process is handed names). */
export function raceScenario(name: string): RaceScenario {
  const scenario = RACE_SCENARIOS.find((s) => s.name === name)
  if (!scenario) throw new Error(`no race scenario named ${JSON.stringify(name)}`)
  return scenario
}
