import { createJoinery, createSequentialIdGenerator, type Joinery } from '@joinery/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { migrate } from '../migrations.js'
import { createPostgresStore } from '../postgres-store.js'
import type { SqlDatabase } from '../sql-database.js'
import { tableDigest } from '../testing/table-digest.js'

// Hostile input through the PostgreSQL store: every core command gets arbitrary strings (NUL, lone surrogates,
// very long, crafted cursors), numbers (huge, negative, fractional, NaN, ±Infinity), dates (far past and future,
// invalid) and values of the wrong type in any of its fields. Each answer must be a typed success or a typed
// refusal, never a StorageError (what the database refusing a value would give); a refused call writes nothing.

const NUL = '\u0000'

/** Strings the stores cannot hold or the domain does not mean, and strings at the edges of what they can. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    NUL,
    `a${NUL}b`,
    `owner${NUL}`,
    '\uD800',
    'x\uDC00',
    '\uDBFF\uDBFF',
    '',
    '   ',
    'x'.repeat(100_000),
    // Index keys: 2,048 bytes pass, 2,049 do not; 3-byte and 4-byte characters count by bytes.
    'u'.repeat(2048),
    'u'.repeat(2049),
    '€'.repeat(682),
    '€'.repeat(683),
    '😀'.repeat(512),
    '😀'.repeat(513),
    'g'.repeat(257),
    // Cursors: unsafe times, times PostgreSQL's drivers cannot write, bad ids.
    '9007199254740991_a',
    '8640000000000000_a',
    '-8640000000000000_a',
    '253402300800000_a',
    '-62135596800001_a',
    '-62135596800000_a',
    '253402300799999_a',
    `1_${NUL}`,
    '1_\uD800',
    '1_',
    '_1',
    '1e3_a',
    '0x10_a',
    ' 1_a',
    'not a cursor',
  ),
  fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(NUL, '\uD800', '\uDFFF', 'a'),
    ),
    maxLength: 40,
  }),
)

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0.5,
    -1,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    99_999_999_999,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    1e300,
    Number.MIN_VALUE,
  ),
  fc.double(),
  fc.integer(),
)

export const hostileDate: fc.Arbitrary<Date> = fc.oneof(
  fc.constantFrom(
    new Date(Number.NaN),
    new Date(8.64e15),
    new Date(-8.64e15),
    new Date('275760-09-13T00:00:00Z'),
    new Date('+010000-01-01T00:00:00Z'),
    new Date('0000-12-31T23:59:59.999Z'),
    // The accepted edges: these must be stored, not refused.
    new Date('0001-01-01T00:00:00.000Z'),
    new Date('9999-12-31T23:59:59.999Z'),
  ),
  fc.date({ noInvalidDate: false }),
)

/** Any hostile value: one of the above, a list of one, or a value of the wrong type. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: hostileDate },
  { weight: 1, arbitrary: fc.oneof(hostileString, hostileNumber, hostileDate).map((v) => [v]) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
)

const FIELDS = [
  'id',
  'name',
  'ownerId',
  'createdAt',
  'memberCount',
  'visibility',
  'admission',
  'lockStatus',
  'approvers',
  'nope',
]
const OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'nope']

/** Conditions for `listGroups`: any field, any operator, a plausible or a hostile value. */
const hostileWhere = fc.array(
  fc.record({
    field: fc.constantFrom(...FIELDS),
    op: fc.constantFrom(...OPS),
    value: fc.oneof(hostileValue, fc.constantFrom('1', 'public', 5, new Date('2026-01-01T00:00:00Z'))),
  }),
  { minLength: 1, maxLength: 3 },
)

/** The seeded world each command runs in. */
interface Seed {
  readonly group: string
  readonly hidden: string
  readonly code: string
}

type Template = (seed: Seed) => Record<string, unknown>

/** Each command with a valid input: the property replaces any of its fields with a hostile value. */
const COMMANDS: Record<keyof Joinery, Template> = {
  createGroup: () => ({
    actor: 'owner',
    name: 'New',
    description: 'about',
    memberLimit: 10,
    admission: 'approval',
    visibility: 'public',
    approvers: 'owner',
    allowMultipleLinks: false,
    initialMembers: ['ivy'],
    lockStatus: 'unlocked',
  }),
  getGroup: (s) => ({ viewer: 'owner', groupId: s.group }),
  updateGroup: (s) => ({
    actor: 'owner',
    groupId: s.group,
    name: 'Renamed',
    description: 'new words',
    memberLimit: 50,
    visibility: 'public',
    lockStatus: 'unlocked',
  }),
  lockGroup: (s) => ({ actor: 'owner', groupId: s.group, permanent: false }),
  unlockGroup: (s) => ({ actor: 'owner', groupId: s.group }),
  deleteGroup: (s) => ({ actor: 'owner', groupId: s.group }),
  listGroups: () => ({
    viewer: 'owner',
    where: [{ field: 'name', op: 'contains', value: 'e' }],
    orderBy: [{ field: 'createdAt', direction: 'desc' }],
    offset: 0,
    limit: 10,
  }),
  createJoinLink: (s) => ({
    actor: 'owner',
    groupId: s.group,
    joinRule: 'anyone',
    requireApproval: true,
    name: 'link',
    expiresAt: new Date('2999-01-01T00:00:00Z'),
    maxUses: 5,
  }),
  editJoinLink: (s) => ({
    actor: 'owner',
    groupId: s.group,
    code: s.code,
    name: 'edited',
    expiresAt: new Date('2999-01-01T00:00:00Z'),
    maxUses: 7,
    requireApproval: true,
  }),
  enableJoinLink: (s) => ({ actor: 'owner', groupId: s.group, code: s.code }),
  disableJoinLink: (s) => ({ actor: 'owner', groupId: s.group, code: s.code }),
  listJoinLinks: (s) => ({ actor: 'owner', groupId: s.group }),
  previewJoinLinks: (s) => ({ viewer: 'ivy', codes: [s.code] }),
  requestJoinByCode: (s) => ({ actor: 'ivy', code: s.code, message: 'hello' }),
  requestJoin: (s) => ({ actor: 'ivy', groupId: s.group, message: 'hello' }),
  explain: (s) => ({ actor: 'ivy', code: s.code }),
  withdrawJoinRequest: (s) => ({ actor: 'rita', groupId: s.group }),
  listJoinRequests: (s) => ({ actor: 'owner', groupId: s.group, status: 'pending', limit: 10 }),
  approveJoinRequest: (s) => ({ actor: 'owner', groupId: s.group, userId: 'rita' }),
  rejectJoinRequest: (s) => ({ actor: 'owner', groupId: s.group, userId: 'rita', reason: 'no' }),
  markJoinRequestsRead: (s) => ({ actor: 'owner', groupId: s.group }),
  addMembers: (s) => ({ actor: 'owner', groupId: s.group, userIds: ['ivy'] }),
  inviteMembers: (s) => ({ actor: 'owner', groupId: s.group, userIds: ['ivy'], message: 'come' }),
  removeMembers: (s) => ({
    actor: 'owner',
    groupId: s.group,
    userIds: ['mia'],
    reason: 'spam',
    blockRejoin: true,
    skipOwner: false,
  }),
  banUser: (s) => ({
    actor: 'owner',
    groupId: s.group,
    userId: 'mia',
    until: new Date('2999-01-01T00:00:00Z'),
    reason: 'spam',
  }),
  unbanUser: (s) => ({ actor: 'owner', groupId: s.group, userId: 'mia' }),
  leaveGroup: (s) => ({ actor: 'mia', groupId: s.group }),
  changeRole: (s) => ({ actor: 'owner', groupId: s.group, userId: 'mia', role: 'moderator' }),
  changeRoles: (s) => ({ actor: 'owner', groupId: s.group, userIds: ['mia'], role: 'moderator' }),
  transferOwnership: (s) => ({ actor: 'owner', groupId: s.hidden, newOwnerId: 'hank' }),
  listMembers: (s) => ({ actor: 'owner', groupId: s.group, limit: 10, offset: 0, membersOnly: false }),
  listUserGroups: () => ({ actor: 'mia', limit: 10 }),
  listUserRequests: () => ({ actor: 'mia', limit: 10 }),
  readUserLog: () => ({ actor: 'mia', after: 0, limit: 10 }),
}

/** Fields every input may carry but the template leaves out, so that each is fuzzed too. */
const OPTIONAL_FIELDS: Partial<Record<keyof Joinery, string[]>> = {
  listJoinRequests: ['cursor'],
  listMembers: ['cursor'],
  listUserGroups: ['cursor'],
  listUserRequests: ['cursor'],
  editJoinLink: ['joinRule'],
  updateGroup: ['admission', 'approvers', 'allowMultipleLinks'],
}

/**
 * The suite: one property per command over a freshly seeded schema. `db` is asked for lazily (it is made in a
 * `beforeAll`); `runs` is the number of calls per command.
 */
export function describeHostileInput(name: string, setup: { db: () => SqlDatabase; runs: number }) {
  describe(`${name}: hostile input reaches every command as a typed answer, never a StorageError`, () => {
    let schemas = 0
    for (const command of Object.keys(COMMANDS) as (keyof Joinery)[]) {
      it(`${command}`, async () => {
        const db = setup.db()
        const schema = `hostile_${process.pid}_${schemas++}`
        await migrate(db, schema)
        const joinery = createJoinery({
          store: createPostgresStore(db, { schema }),
          ids: createSequentialIdGenerator(),
        })
        const seed = await seedWorld(joinery)
        const template = COMMANDS[command](seed)
        const fields = [...Object.keys(template), ...(OPTIONAL_FIELDS[command] ?? [])]
        const codes: Record<string, number> = {}
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(
              fc.constantFrom(...fields),
              fields.includes('where') ? fc.oneof(hostileValue, hostileWhere) : hostileValue,
              { minKeys: 1, maxKeys: 3 },
            ),
            async (replaced) => {
              const input = { ...template, ...replaced }
              // A refused join by code counts the refusal on its link, and only that: compare without the counters.
              const countsRefusal = command === 'requestJoinByCode'
              const before = await tableDigest(db, schema, { linkCounters: !countsRefusal })
              const run = joinery[command] as (
                i: unknown,
              ) => PromiseLike<{ isErr(): boolean; error?: { code: string } }>
              const result = await run(input)
              const code = result.isErr() ? (result.error?.code ?? '?') : 'ok'
              codes[code] = (codes[code] ?? 0) + 1
              expect(code, `${command}(${describeInput(input)})`).not.toBe('StorageError')
              if (code !== 'ok')
                expect(await tableDigest(db, schema, { linkCounters: !countsRefusal }), code).toBe(before)
            },
          ),
          { numRuns: setup.runs },
        )
        // The property must have reached both sides: refusals of bad input, and at least one success or typed refusal.
        expect(codes.InvalidInput ?? 0, JSON.stringify(codes)).toBeGreaterThan(0)
      }, 120_000)
    }
  })
}

/** The edges a command accepts must be stored, not refused: years 1 and 9999, int4's ends, the longest keys. */
export function describeAcceptedEdges(name: string, setup: { db: () => SqlDatabase }) {
  describe(`${name}: the edges the core accepts are stored`, () => {
    it('years 1 and 9999, int4 bounds, 2,048-byte user ids and 256-byte group codes', async () => {
      const db = setup.db()
      const schema = `edges_${process.pid}`
      await migrate(db, schema)
      const joinery = createJoinery({ store: createPostgresStore(db, { schema }), ids: createSequentialIdGenerator() })
      const seed = await seedWorld(joinery)
      const first = new Date('0001-01-01T00:00:00.000Z')
      const last = new Date('9999-12-31T23:59:59.999Z')
      const longUser = '😀'.repeat(512)
      for (const at of [first, last]) {
        const made = await joinery.createJoinLink({ actor: 'owner', groupId: seed.hidden, expiresAt: at })
        expect(made._unsafeUnwrap().expiresAt).toEqual(at)
        await joinery.disableJoinLink({ actor: 'owner', groupId: seed.hidden })
        expect(
          (await joinery.banUser({ actor: 'owner', groupId: seed.group, userId: 'x', until: at }))._unsafeUnwrap()
            .until,
        ).toEqual(at)
        for (const op of ['lt', 'gte'] as const) {
          const listed = await joinery.listGroups({ viewer: 'owner', where: [{ field: 'createdAt', op, value: at }] })
          expect(listed.isOk()).toBe(true)
        }
      }
      for (const value of [-(2 ** 31), 2 ** 31 - 1]) {
        const listed = await joinery.listGroups({ where: [{ field: 'memberCount', op: 'lte', value }] })
        expect(listed.isOk()).toBe(true)
      }
      const added = await joinery.addMembers({
        actor: 'owner',
        groupId: seed.group,
        userIds: [longUser, 'u'.repeat(2048)],
      })
      expect(added._unsafeUnwrap().added).toHaveLength(2)
      const ownGroup = (await joinery.createGroup({ actor: longUser, name: 'Mine' }))._unsafeUnwrap()
      const page = (await joinery.listUserGroups({ actor: longUser, limit: 1 }))._unsafeUnwrap()
      expect(page.items.map((i) => i.group.id)).toEqual([seed.group])
      const next = await joinery.listUserGroups({ actor: longUser, limit: 1, cursor: page.cursor ?? 'none' })
      expect(next._unsafeUnwrap().items.map((i) => i.group.id)).toEqual([ownGroup.id])
      expect((await joinery.previewJoinLinks({ codes: ['c'.repeat(256)] }))._unsafeUnwrap()[0]?.kind).toBe('invalid')
    })
  })
}

async function seedWorld(joinery: Joinery): Promise<Seed> {
  const group = (
    await joinery.createGroup({ actor: 'owner', name: 'Seed', admission: 'approval', initialMembers: ['mia'] })
  )._unsafeUnwrap().id
  const hidden = (
    await joinery.createGroup({ actor: 'owner', name: 'Hidden', visibility: 'hidden', initialMembers: ['hank'] })
  )._unsafeUnwrap().id
  const code = (await joinery.createJoinLink({ actor: 'owner', groupId: group }))._unsafeUnwrap().code
  ;(await joinery.requestJoin({ actor: 'rita', groupId: group, message: 'let me in' }))._unsafeUnwrap()
  return { group, hidden, code }
}

function describeInput(input: Record<string, unknown>): string {
  return JSON.stringify(input, (_k, v: unknown) =>
    typeof v === 'string' && v.length > 60 ? `${v.slice(0, 20)}…(${v.length} chars)` : v,
  )
}
