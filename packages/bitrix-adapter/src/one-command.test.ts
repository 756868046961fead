import { createJoinery, createSequentialIdGenerator, type DomainEvent } from '@joinery/core'
import { type WatchedStore, watchStore } from '@joinery/core/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sdkErrorOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

let portal: TestPortal
let watched: WatchedStore
let published: DomainEvent[]
beforeEach(async () => {
  watched = watchStore()
  published = []
  const joinery = createJoinery({
    store: watched.store,
    ids: createSequentialIdGenerator(),
    events: { publish: (events) => void published.push(...events) },
  })
  portal = await startTestPortal({ joinery })
})
afterEach(() => portal.close())

/** What `call` answered and how many core commands (store transactions) it ran. */
async function counted<T>(call: () => Promise<T>): Promise<{ value: T; commands: number }> {
  const before = watched.transactions
  const value = await call()
  return { value, commands: watched.transactions - before }
}

type Member = { USER_ID: string; ROLE: string }
const roles = async (group: number) =>
  Object.fromEntries(
    (await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: group })).map((m) => [m.USER_ID, m.ROLE]),
  )

describe('each Bitrix24 call runs one core command', () => {
  it('sonet_group.create with CLOSED=Y makes a group archived from its first event', async () => {
    const created = await counted(() =>
      portal.call<number>('1', 'sonet_group.create', { NAME: 'Archive', OPENED: 'Y', CLOSED: 'Y' }),
    )
    expect(created.commands).toBe(1)
    const group = created.value
    // No moment when it was open: created locked, with no separate GroupLocked after GroupCreated.
    expect(published.map((e) => e.type)).toEqual(['GroupCreated'])
    expect(await portal.call('1', 'sonet_group.get', { FILTER: { ID: group } })).toMatchObject([{ CLOSED: 'Y' }])
    expect(await sdkErrorOf(portal.call('2', 'sonet_group.user.request', { GROUP_ID: group }))).toMatchObject({
      code: 'ERROR_GROUP_ARCHIVED',
    })
  })

  it('sonet_group.update that renames and archives changes nothing when it fails midway', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Team' })
    const before = published.length
    // Fail the write that archives: split over two commands, the rename would already be committed.
    watched.failWhen((method, [, change]) => method === 'updateGroup' && 'lockStatus' in (change as object))
    expect(
      await sdkErrorOf(portal.call('1', 'sonet_group.update', { GROUP_ID: group, NAME: 'Renamed', CLOSED: 'Y' })),
    ).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 })
    watched.failWhen(null)
    expect(await portal.call('1', 'sonet_group.get', { FILTER: { ID: group } })).toMatchObject([
      { NAME: 'Team', CLOSED: 'N' },
    ])
    expect(published.length).toBe(before)

    const archived = await counted(() =>
      portal.call('1', 'sonet_group.update', { GROUP_ID: group, NAME: 'Renamed', CLOSED: 'Y' }),
    )
    expect(archived).toEqual({ value: group, commands: 1 })
    expect(published.slice(before).map((e) => e.type)).toEqual(['GroupUpdated', 'GroupLocked'])
    const reopened = await counted(() =>
      portal.call('1', 'sonet_group.update', { GROUP_ID: group, NAME: 'Open', CLOSED: 'N' }),
    )
    expect(reopened).toEqual({ value: group, commands: 1 })
    expect(await portal.call('1', 'sonet_group.get', { FILTER: { ID: group } })).toMatchObject([
      { NAME: 'Open', CLOSED: 'N' },
    ])
    // Nothing to change: still one command, which checks that the caller owns the group.
    expect(await counted(() => portal.call('1', 'sonet_group.update', { GROUP_ID: group }))).toEqual({
      value: group,
      commands: 1,
    })
    expect(await sdkErrorOf(portal.call('2', 'sonet_group.update', { GROUP_ID: group }))).toMatchObject({
      code: 'ACCESS_DENIED',
      message: 'User has no permissions to update group',
    })
  })

  it('sonet_group.user.update changes every role or none', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Team' })
    await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [2, 3, 4] })
    watched.failWhen((method, [, userId]) => method === 'updateMembershipRole' && userId === '3')
    expect(
      await sdkErrorOf(portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: [2, 3, 4], ROLE: 'E' })),
    ).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 })
    watched.failWhen(null)
    expect(await roles(group)).toEqual({ 1: 'A', 2: 'K', 3: 'K', 4: 'K' })

    const updated = await counted(() =>
      portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: [1, 2, 5, 3], ROLE: 'E' }),
    )
    expect(updated).toEqual({ value: ['2', '3'], commands: 1 })
    expect(await roles(group)).toEqual({ 1: 'A', 2: 'E', 3: 'E', 4: 'K' })
  })

  it('sonet_group.user.delete skips the owner and removes the others in one command', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Team' })
    await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [2, 3] })
    const removed = await counted(() =>
      portal.call('1', 'sonet_group.user.delete', { GROUP_ID: group, USER_ID: [1, 2] }),
    )
    expect(removed).toEqual({ value: ['2'], commands: 1 })
    expect(await roles(group)).toEqual({ 1: 'A', 3: 'K' })
  })

  it('sonet_group.user.get reads every member in one command, whatever start', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Big' })
    await portal.call('1', 'sonet_group.user.add', {
      GROUP_ID: group,
      USER_ID: Array.from({ length: 160 }, (_, i) => 100 + i),
    })
    // The method does not page (api-reference/sonet-group/members/sonet-group-user-get.md): start is ignored.
    const page = await counted(() =>
      portal.hookFor('1').actions.v2.call.make({ method: 'sonet_group.user.get', params: { ID: group, start: 150 } }),
    )
    expect(page.commands).toBe(1)
    expect((page.value.getData() as { result: Member[] }).result).toHaveLength(161)
  })

  it('sonet_group.user.request.list reads a page of requests and their total in one command, at any start', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Asked', OPENED: 'N' })
    for (const user of ['2', '3', '4', '5', '6']) {
      await portal.call(user, 'sonet_group.user.request', { GROUP_ID: group, MESSAGE: `from ${user}` })
    }
    const page = await counted(() =>
      portal.hookFor('1').actions.v2.call.make({
        method: 'sonet_group.user.request.list',
        params: { GROUP_ID: group, start: 2 },
      }),
    )
    expect(page.commands).toBe(1)
    expect(page.value.getTotal()).toBe(5)
    const rows = (page.value.getData() as { result: { USER_ID: string }[] }).result
    expect(rows.map((r) => r.USER_ID)).toEqual(['4', '5', '6'])
  })

  it("sonet_group.user.groups reads every one of the user's groups in one command, whatever start", async () => {
    for (const name of ['A', 'B', 'C']) {
      const group = await portal.call<number>('1', 'sonet_group.create', { NAME: name })
      await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [2] })
    }
    // The method does not page (api-reference/sonet-group/sonet-group-user-groups.md): start is ignored.
    const page = await counted(() =>
      portal.hookFor('2').actions.v2.call.make({ method: 'sonet_group.user.groups', params: { start: 1 } }),
    )
    expect(page.commands).toBe(1)
    const rows = (page.value.getData() as { result: { GROUP_NAME: string }[] }).result
    expect(rows.map((r) => r.GROUP_NAME)).toEqual(['A', 'B', 'C'])
  })
})

describe('bounded work per call', () => {
  const ids = (n: number, from = 100) => Array.from({ length: n }, (_, i) => from + i)

  it('sonet_group.user.add of 1,000 users runs ten core commands of at most 100, and refuses 1,001', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Big' })
    const added = await counted(() =>
      portal.call<string[]>('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: ids(1000) }),
    )
    expect(added.commands).toBe(10)
    expect(added.value).toEqual(ids(1000).map(String))
    const tooMany = await counted(() =>
      sdkErrorOf(portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: ids(1001, 5000) })),
    )
    expect(tooMany.value).toMatchObject({
      code: 'ERROR_ARGUMENT',
      status: 400,
      message: 'Too many user IDs: at most 1000 in USER_ID in one call',
    })
    expect(tooMany.commands).toBe(0)
  })

  it('user.update and user.delete answer over all their slices', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Roles' })
    await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: ids(450) })
    const update = await counted(() =>
      portal.call<string[]>('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: [1, ...ids(450)], ROLE: 'E' }),
    )
    expect(update.commands).toBe(5)
    expect(update.value).toEqual(ids(450).map(String))
    const removed = await portal.call<string[]>('1', 'sonet_group.user.delete', { GROUP_ID: group, USER_ID: ids(450) })
    expect(removed).toHaveLength(450)
    expect(Object.keys(await roles(group))).toEqual(['1'])
  })

  it('a batch names at most 1,000 user ids in all: the command past the budget is refused, not run', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Batch' })
    const query = (from: number) =>
      `sonet_group.user.add?GROUP_ID=${group}&${ids(600, from)
        .map((id) => `USER_ID[]=${id}`)
        .join('&')}`
    const res = await fetch(`${portal.httpUrl}/rest/1/${'code-1'}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd: { a: query(100), b: query(1000) } }),
    })
    const body = (await res.json()) as {
      result: { result: Record<string, string[]>; result_error: Record<string, { error: string }> }
    }
    expect(body.result.result.a).toHaveLength(600)
    expect(body.result.result_error.b).toMatchObject({ error: 'ERROR_BATCH_LIMIT_EXCEEDED' })
    expect(await portal.call('1', 'sonet_group.get', { FILTER: { ID: group } })).toMatchObject([
      { NUMBER_OF_MEMBERS: '601' },
    ])
  })
})
