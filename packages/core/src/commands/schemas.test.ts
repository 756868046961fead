import type { ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import type { CoreError } from '../domain/errors.js'
import { utf8Bytes } from '../internal/storable.js'
import { createTestKit } from '../internal/test-kit.js'
import { MAX_USERS_PER_COMMAND } from './schemas.js'

// The edge of the core: each limit refused as InvalidInput naming the field, before anything is read or written.
// (The PostgreSQL store runs every command with arbitrary hostile input: packages/postgres-store, hostile-input.)

const NUL = '\u0000'
const usersOf = (n: number) => Array.from({ length: n }, (_, i) => `user${i}`)
const tooMany = () => usersOf(MAX_USERS_PER_COMMAND + 1)

async function world() {
  const kit = createTestKit()
  const group = await kit.groupOf({ initialMembers: ['mia'] })
  const code = await kit.linkTo(group.id)
  return { ...kit, group, code }
}

type Kit = Awaited<ReturnType<typeof world>>
type Case = [string, (k: Kit) => ResultAsync<unknown, CoreError>, (string | number)[]]

const CASES: Case[] = [
  ['NUL in a group name', (k) => k.joinery.createGroup({ actor: 'owner', name: `a${NUL}` }), ['name']],
  [
    'NUL in a description',
    (k) => k.joinery.updateGroup({ actor: 'owner', groupId: k.group.id, description: NUL }),
    ['description'],
  ],
  [
    'NUL in a request message',
    (k) => k.joinery.requestJoinByCode({ actor: 'bob', code: k.code, message: NUL }),
    ['message'],
  ],
  [
    'NUL in a reason',
    (k) => k.joinery.banUser({ actor: 'owner', groupId: k.group.id, userId: 'mia', reason: NUL }),
    ['reason'],
  ],
  ['NUL in a code', (k) => k.joinery.requestJoinByCode({ actor: 'bob', code: `${k.code}${NUL}` }), ['code']],
  ['NUL in a group id', (k) => k.joinery.withdrawJoinRequest({ actor: 'bob', groupId: `1${NUL}` }), ['groupId']],
  ['NUL in an actor', (k) => k.joinery.getGroup({ viewer: NUL, groupId: k.group.id }), ['viewer']],
  ['NUL in a link name', (k) => k.joinery.createJoinLink({ actor: 'owner', groupId: k.group.id, name: NUL }), ['name']],
  ['a lone high surrogate', (k) => k.joinery.createGroup({ actor: 'owner', name: 'a\uD800' }), ['name']],
  [
    'a lone low surrogate',
    (k) => k.joinery.addMembers({ actor: 'owner', groupId: k.group.id, userIds: ['\uDC00'] }),
    ['userIds', 0],
  ],
  [
    'a user id over 2,048 bytes',
    (k) => k.joinery.addMembers({ actor: 'owner', groupId: k.group.id, userIds: ['€'.repeat(683)] }),
    ['userIds', 0],
  ],
  ['a group id over 256 bytes', (k) => k.joinery.getGroup({ groupId: 'é'.repeat(129) }), ['groupId']],
  [
    'an invalid date',
    (k) => k.joinery.banUser({ actor: 'owner', groupId: k.group.id, userId: 'mia', until: new Date(Number.NaN) }),
    ['until'],
  ],
  [
    'a date after the year 9999',
    (k) =>
      k.joinery.createJoinLink({ actor: 'owner', groupId: k.group.id, expiresAt: new Date('+010000-01-01T00:00:00Z') }),
    ['expiresAt'],
  ],
  [
    'a date before the year 1',
    (k) =>
      k.joinery.createJoinLink({
        actor: 'owner',
        groupId: k.group.id,
        expiresAt: new Date('0000-12-31T23:59:59.999Z'),
      }),
    ['expiresAt'],
  ],
  [
    'the last date JavaScript has',
    (k) => k.joinery.listGroups({ where: [{ field: 'createdAt', op: 'gt', value: new Date(8.64e15) }] }),
    ['where', 0, 'value'],
  ],
  [
    'a member count past int4',
    (k) => k.joinery.listGroups({ where: [{ field: 'memberCount', op: 'gt', value: 99_999_999_999 }] }),
    ['where', 0, 'value'],
  ],
  [
    'a fractional member count',
    (k) => k.joinery.listGroups({ where: [{ field: 'memberCount', op: 'gt', value: 1.5 }] }),
    ['where', 0, 'value'],
  ],
  [
    'NaN as a member count',
    (k) => k.joinery.listGroups({ where: [{ field: 'memberCount', op: 'eq', value: Number.NaN }] }),
    ['where', 0, 'value'],
  ],
  [
    'a text value for a date field',
    (k) => k.joinery.listGroups({ where: [{ field: 'createdAt', op: 'gt', value: 'yesterday' as never }] }),
    ['where', 0, 'value'],
  ],
  [
    'contains on a date field',
    (k) => k.joinery.listGroups({ where: [{ field: 'createdAt', op: 'contains' as never, value: new Date() }] }),
    ['where', 0, 'op'],
  ],
  [
    'NUL in a filter value',
    (k) => k.joinery.listGroups({ where: [{ field: 'name', op: 'contains', value: NUL }] }),
    ['where', 0, 'value'],
  ],
  [
    'Infinity as a limit',
    (k) => k.joinery.listMembers({ groupId: k.group.id, limit: Number.POSITIVE_INFINITY }),
    ['limit'],
  ],
  [
    'a member limit past the bound',
    (k) => k.joinery.createGroup({ actor: 'owner', name: 'x', memberLimit: 2 ** 31 }),
    ['memberLimit'],
  ],
  [
    'a cursor past the safe times',
    (k) => k.joinery.listMembers({ groupId: k.group.id, cursor: '9007199254740991_a' }),
    ['cursor'],
  ],
  [
    'a cursor past the year 9999',
    (k) => k.joinery.listMembers({ groupId: k.group.id, cursor: '253402300800000_a' }),
    ['cursor'],
  ],
  ['a cursor with a NUL id', (k) => k.joinery.listUserGroups({ actor: 'mia', cursor: `1_${NUL}` }), ['cursor']],
  [
    'a cursor that is not one',
    (k) => k.joinery.listJoinRequests({ actor: 'owner', groupId: k.group.id, cursor: 'page-2' }),
    ['cursor'],
  ],
  ['a cursor with a loose number', (k) => k.joinery.listUserGroups({ actor: 'mia', cursor: '1e3_a' }), ['cursor']],
  // One command holds its group for its whole transaction: at most MAX_USERS_PER_COMMAND users in one.
  [
    'too many users to add',
    (k) => k.joinery.addMembers({ actor: 'owner', groupId: k.group.id, userIds: tooMany() }),
    ['userIds'],
  ],
  [
    'too many users to invite',
    (k) => k.joinery.inviteMembers({ actor: 'owner', groupId: k.group.id, userIds: tooMany() }),
    ['userIds'],
  ],
  [
    'too many users to remove',
    (k) => k.joinery.removeMembers({ actor: 'owner', groupId: k.group.id, userIds: tooMany() }),
    ['userIds'],
  ],
  [
    'too many users for a role',
    (k) => k.joinery.changeRoles({ actor: 'owner', groupId: k.group.id, userIds: tooMany(), role: 'moderator' }),
    ['userIds'],
  ],
  [
    'too many initial members',
    (k) => k.joinery.createGroup({ actor: 'owner', name: 'x', initialMembers: tooMany() }),
    ['initialMembers'],
  ],
]

describe('the edge of the core', () => {
  it.each(CASES)('refuses %s as InvalidInput naming the field, writing nothing', async (_name, call, path) => {
    const k = await world()
    const before = k.published.length
    const result = await call(k)
    const error = result._unsafeUnwrapErr()
    if (error.code !== 'InvalidInput') throw new Error(`expected InvalidInput, got ${error.code}`)
    expect(error.issues.map((i) => i.path)).toContainEqual(path)
    expect(error.issues.every((i) => i.message.length > 0)).toBe(true)
    expect(k.published.length).toBe(before)
  })

  it('says what is wrong in words', async () => {
    const k = await world()
    const nul = await k.joinery.createGroup({ actor: 'owner', name: `a${NUL}` })
    expect(nul._unsafeUnwrapErr()).toMatchObject({
      issues: [{ message: 'must not contain the NUL character (U+0000)' }],
    })
    const late = await k.joinery.banUser({
      actor: 'owner',
      groupId: k.group.id,
      userId: 'mia',
      until: new Date(8.64e15),
    })
    expect(late._unsafeUnwrapErr()).toMatchObject({
      issues: [{ path: ['until'], message: 'must not be after the year 9999' }],
    })
    const cursor = await k.joinery.listMembers({ groupId: k.group.id, cursor: 'x' })
    expect(cursor._unsafeUnwrapErr()).toMatchObject({
      issues: [{ path: ['cursor'], message: 'is not a cursor from this service' }],
    })
  })

  it('accepts the edges: years 1 and 9999, int4 bounds, an empty cursor as the first page, pairs of surrogates', async () => {
    const k = await world()
    const many = await k.groupOf({ allowMultipleLinks: true })
    for (const expiresAt of [new Date('0001-01-01T00:00:00.000Z'), new Date('9999-12-31T23:59:59.999Z')]) {
      const link = await k.joinery.createJoinLink({ actor: 'owner', groupId: many.id, expiresAt })
      expect(link._unsafeUnwrap().expiresAt).toEqual(expiresAt)
    }
    for (const value of [-(2 ** 31), 2 ** 31 - 1])
      expect((await k.joinery.listGroups({ where: [{ field: 'memberCount', op: 'lt', value }] })).isOk()).toBe(true)
    expect((await k.joinery.listMembers({ groupId: k.group.id, cursor: '' }))._unsafeUnwrap().items).toHaveLength(2)
    expect((await k.joinery.createGroup({ actor: 'owner', name: 'Party 🎉' }))._unsafeUnwrap().name).toBe('Party 🎉')
    // A name the chat.bsky lexicons accept (at most 50 graphemes and 500 UTF-8 bytes) with the most UTF-16 units:
    // 49 letters and one letter carrying 225 combining accents (each 1 unit, 2 bytes) are 50 graphemes, 275 units.
    const longest = `${'x'.repeat(49)}a${'\u0301'.repeat(225)}`
    expect([longest.length, utf8Bytes(longest)]).toEqual([275, 500])
    expect((await k.joinery.createGroup({ actor: 'owner', name: longest }))._unsafeUnwrap().name).toBe(longest)
    const ascii = 'n'.repeat(500)
    expect((await k.joinery.createGroup({ actor: 'owner', name: ascii }))._unsafeUnwrap().name).toBe(ascii)
    expect((await k.joinery.createGroup({ actor: 'owner', name: `${ascii}n` }))._unsafeUnwrapErr().code).toBe(
      'InvalidInput',
    )
    const full = await k.joinery.addMembers({
      actor: 'owner',
      groupId: k.group.id,
      userIds: usersOf(MAX_USERS_PER_COMMAND),
    })
    expect(full._unsafeUnwrap().added).toHaveLength(MAX_USERS_PER_COMMAND)
  })

  it('bounds one command at 100 users', () => {
    expect(MAX_USERS_PER_COMMAND).toBe(100)
  })
})
