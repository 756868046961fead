import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sdkErrorOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

let portal: TestPortal
beforeEach(async () => {
  portal = await startTestPortal()
})
afterEach(() => portal.close())

type Member = { USER_ID: string; ROLE: string }

describe('the official @bitrix24/b24jssdk against the adapter', () => {
  it('creates open and closed groups; requests join one at once and the other after approval', async () => {
    const open = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Open club', OPENED: 'Y' })
    const closed = await portal.call<number>('1', 'sonet_group.create', {
      NAME: 'Closed club',
      OPENED: 'N',
      DESCRIPTION: 'by request',
    })
    expect([open, closed]).toEqual([1, 2])

    expect(await portal.call('2', 'sonet_group.user.request', { GROUP_ID: open })).toBe(true)
    expect(await portal.call('2', 'sonet_group.user.request', { GROUP_ID: closed, MESSAGE: 'Please let me in' })).toBe(
      true,
    )
    expect(await portal.call('3', 'sonet_group.user.request', { GROUP_ID: String(closed), MESSAGE: 'Me too' })).toBe(
      true,
    )
    // Asking again: still one request, and the owner asking stays the owner.
    expect(await portal.call('2', 'sonet_group.user.request', { GROUP_ID: closed, MESSAGE: 'Please let me in' })).toBe(
      true,
    )
    expect(await portal.call('1', 'sonet_group.user.request', { GROUP_ID: closed })).toBe(true)

    expect(await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: open })).toEqual([
      { USER_ID: '1', ROLE: 'A' },
      { USER_ID: '2', ROLE: 'K' },
    ])
    expect(await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: closed })).toEqual([
      { USER_ID: '1', ROLE: 'A' },
    ])

    const requests = await portal.call<{ USER_ID: string; MESSAGE: string; ROLE: string; INITIATED_BY_TYPE: string }[]>(
      '1',
      'sonet_group.user.request.list',
      { GROUP_ID: closed },
    )
    expect(requests.map((r) => [r.USER_ID, r.MESSAGE, r.ROLE, r.INITIATED_BY_TYPE])).toEqual([
      ['2', 'Please let me in', 'Z', 'U'],
      ['3', 'Me too', 'Z', 'U'],
    ])
    expect(await portal.call('1', 'sonet_group.user.request.approve', { GROUP_ID: closed, USER_ID: 2 })).toBe(true)
    expect(
      await portal.call('1', 'sonet_group.user.request.reject', { GROUP_ID: closed, USER_ID: 3, REASON: 'full' }),
    ).toBe(true)
    expect((await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: closed })).map((m) => m.USER_ID)).toEqual([
      '1',
      '2',
    ])
    expect(await portal.call('1', 'sonet_group.user.request.list', { GROUP_ID: closed })).toEqual([])

    const mine = await portal.call<{ GROUP_ID: string; GROUP_NAME: string; ROLE: string }[]>(
      '2',
      'sonet_group.user.groups',
    )
    expect(mine.map((g) => [g.GROUP_ID, g.GROUP_NAME, g.ROLE])).toEqual([
      ['1', 'Open club', 'K'],
      ['2', 'Closed club', 'K'],
    ])
  })

  it('adds, promotes, demotes and removes users; the owner is skipped', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Team' })
    expect(await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [2, 3, 4] })).toEqual([
      '2',
      '3',
      '4',
    ])
    expect(
      await portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: [1, 2, 5], ROLE: 'E' }),
    ).toEqual(['2'])
    expect(
      (await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: group })).find((m) => m.USER_ID === '2')?.ROLE,
    ).toBe('E')
    expect(await portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: 2, ROLE: 'K' })).toEqual(['2'])
    expect(await portal.call('1', 'sonet_group.user.delete', { GROUP_ID: group, USER_ID: [1, 3] })).toEqual(['3'])
    expect((await portal.call<Member[]>('1', 'sonet_group.user.get', { ID: group })).map((m) => m.USER_ID)).toEqual([
      '1',
      '2',
      '4',
    ])
    // A removed user may ask again (Bitrix24's delete does not bar); a banned one may not.
    await portal.call('1', 'sonet_group.update', { GROUP_ID: group, OPENED: 'Y' })
    expect(await portal.call('3', 'sonet_group.user.request', { GROUP_ID: group })).toBe(true)
    expect(await portal.call('1', 'sonet_group.user.ban', { GROUP_ID: group, USER_ID: 3 })).toBe(true)
    expect(await sdkErrorOf(portal.call('3', 'sonet_group.user.request', { GROUP_ID: group }))).toMatchObject({
      code: 'ERROR_USER_BANNED',
      status: 400,
    })
    expect(await portal.call('1', 'sonet_group.user.unban', { GROUP_ID: group, USER_ID: 3 })).toBe(true)
    expect(await portal.call('3', 'sonet_group.user.request', { GROUP_ID: group })).toBe(true)
  })

  it('invites users, who join by requesting, and hands the group to a new owner', async () => {
    const group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Hidden', VISIBLE: 'N' })
    expect(
      await portal.call('1', 'sonet_group.user.invite', { GROUP_ID: group, USER_ID: [2, 3], MESSAGE: 'join us' }),
    ).toEqual(['2', '3'])
    expect(await portal.call('2', 'sonet_group.user.request', { GROUP_ID: group })).toBe(true)
    expect((await portal.call<Member[]>('2', 'sonet_group.user.get', { ID: group })).map((m) => m.USER_ID)).toEqual([
      '1',
      '2',
    ])
    expect(await portal.call('1', 'sonet_group.setowner', { GROUP_ID: group, USER_ID: 2 })).toBe(true)
    // The old owner becomes K, a plain member (CSocNetUserToGroup::SetOwner).
    expect(await portal.call<Member[]>('2', 'sonet_group.user.get', { ID: group })).toEqual([
      { USER_ID: '1', ROLE: 'K' },
      { USER_ID: '2', ROLE: 'A' },
    ])
  })

  it('reads, filters, orders and updates groups with values as strings', async () => {
    for (const [name, opened] of [
      ['Zeta', 'Y'],
      ['Alpha', 'N'],
      ['Mid', 'Y'],
    ] as const) {
      await portal.call('1', 'sonet_group.create', { NAME: name, OPENED: opened })
    }
    const all = await portal
      .hookFor('1')
      .actions.v2.call.make({ method: 'sonet_group.get', params: { ORDER: { NAME: 'ASC' } } })
    const data = all.getData() as { result: Record<string, string>[] }
    expect(all.getTotal()).toBe(3)
    expect(data.result.map((g) => g.NAME)).toEqual(['Alpha', 'Mid', 'Zeta'])
    expect(data.result[0]).toMatchObject({
      ID: '2',
      OWNER_ID: '1',
      OPENED: 'N',
      VISIBLE: 'Y',
      CLOSED: 'N',
      NUMBER_OF_MEMBERS: '1',
    })
    const opened = await portal.call<{ ID: string }[]>('1', 'sonet_group.get', { FILTER: { OPENED: 'Y', '>ID': 1 } })
    expect(opened.map((g) => g.ID)).toEqual(['3'])
    expect(await portal.call('1', 'sonet_group.update', { GROUP_ID: 3, NAME: 'Middle', CLOSED: 'Y' })).toBe(3)
    expect(await portal.call('1', 'sonet_group.get', { FILTER: { CLOSED: 'Y' } })).toMatchObject([
      { ID: '3', NAME: 'Middle', CLOSED: 'Y' },
    ])
    expect(await sdkErrorOf(portal.call('2', 'sonet_group.user.request', { GROUP_ID: 3 }))).toMatchObject({
      code: 'ERROR_GROUP_ARCHIVED',
    })
    expect(await portal.call('1', 'sonet_group.update', { GROUP_ID: 3, CLOSED: 'N' })).toBe(3)
    expect(await portal.call('2', 'sonet_group.user.request', { GROUP_ID: 3 })).toBe(true)
    expect(await portal.call('1', 'sonet_group.delete', { GROUP_ID: 3 })).toBe(true)
    expect(await sdkErrorOf(portal.call('1', 'sonet_group.user.get', { ID: 3 }))).toMatchObject({
      code: 'ERROR_GROUP_NOT_FOUND',
    })
  })

  it('pages sonet_group.get by 50 with total and next, and lists every member at once', async () => {
    // sonet_group.get pages (api-reference/sonet-group/sonet-group-get.md); sonet_group.user.get answers the whole
    // list (api-reference/sonet-group/members/sonet-group-user-get.md).
    for (let i = 0; i < 55; i++) (await portal.joinery.createGroup({ actor: '1', name: `G${i}` }))._unsafeUnwrap()
    const response = await portal.hookFor('1').actions.v2.call.make({ method: 'sonet_group.get', params: {} })
    const first = response.getData() as { result: { ID: string }[] }
    expect(response.getTotal()).toBe(55)
    expect(response.isMore()).toBe(true)
    expect(first.result).toHaveLength(50)
    const second = await portal.call<{ ID: string }[]>('1', 'sonet_group.get', { start: 50 })
    expect(second).toHaveLength(5)
    expect(new Set([...first.result, ...second].map((g) => g.ID)).size).toBe(55)

    await portal.call('1', 'sonet_group.user.add', {
      GROUP_ID: 1,
      USER_ID: Array.from({ length: 60 }, (_, i) => 100 + i),
    })
    const members = await portal
      .hookFor('1')
      .actions.v2.call.make({ method: 'sonet_group.user.get', params: { ID: 1 } })
    expect((members.getData() as { result: Member[] }).result).toHaveLength(61)
    expect(members.isMore()).toBe(false)
  })

  it('runs a batch with $result references through the SDK', async () => {
    const response = await portal.hookFor('1').actions.v2.batch.make({
      calls: {
        group: { method: 'sonet_group.create', params: { NAME: 'Batched', OPENED: 'Y' } },
        add: { method: 'sonet_group.user.add', params: { GROUP_ID: '$result[group]', USER_ID: 2 } },
        members: { method: 'sonet_group.user.get', params: { ID: '$result[group]' } },
      },
      options: { isHaltOnError: true, returnAjaxResult: true },
    })
    expect(response.isSuccess).toBe(true)
    const results = response.getData() as Record<string, { getData(): { result: unknown } }>
    expect(results.group?.getData().result).toBe(1)
    expect(results.add?.getData().result).toEqual(['2'])
    expect(results.members?.getData().result).toEqual([
      { USER_ID: '1', ROLE: 'A' },
      { USER_ID: '2', ROLE: 'K' },
    ])
  })

  it('reports each error path through the SDK AjaxError code and status', async () => {
    const open = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Open', OPENED: 'Y' })
    const hidden = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Hidden', VISIBLE: 'N' })
    const cases: [string, Promise<unknown>, { code: string; status: number; message?: string }][] = [
      [
        'wrong group id',
        portal.call('2', 'sonet_group.user.request', { GROUP_ID: 'abc' }),
        { code: 'ERROR_ARGUMENT', status: 400, message: 'Wrong group ID' },
      ],
      [
        'negative id',
        portal.call('2', 'sonet_group.user.request', { GROUP_ID: -4 }),
        { code: 'ERROR_ARGUMENT', status: 400 },
      ],
      [
        'missing group',
        portal.call('2', 'sonet_group.user.request', { GROUP_ID: 404 }),
        { code: 'ERROR_GROUP_NOT_FOUND', status: 400, message: 'Socialnetwork group not found' },
      ],
      [
        'hidden group',
        portal.call('2', 'sonet_group.user.request', { GROUP_ID: hidden }),
        { code: 'ERROR_GROUP_NOT_FOUND', status: 400 },
      ],
      [
        'not owner',
        portal.call('2', 'sonet_group.delete', { GROUP_ID: open }),
        { code: 'ACCESS_DENIED', status: 400, message: 'User has no permissions to delete group' },
      ],
      [
        'not owner add',
        portal.call('2', 'sonet_group.user.add', { GROUP_ID: open, USER_ID: 3 }),
        { code: 'ACCESS_DENIED', status: 400, message: 'No permissions to add users' },
      ],
      [
        'bad role',
        portal.call('1', 'sonet_group.user.update', { GROUP_ID: open, USER_ID: 2, ROLE: 'A' }),
        { code: 'ERROR_ARGUMENT', status: 400, message: 'Incorrect role code' },
      ],
      [
        'bad user ids',
        portal.call('1', 'sonet_group.user.add', { GROUP_ID: open, USER_ID: ['x'] }),
        { code: 'ERROR_ARGUMENT', status: 400, message: 'Wrong user IDs' },
      ],
      [
        'no request',
        portal.call('1', 'sonet_group.user.request.approve', { GROUP_ID: open, USER_ID: 5 }),
        { code: 'ERROR_REQUEST_NOT_FOUND', status: 400 },
      ],
      ['unknown method', portal.call('1', 'sonet_group.nope'), { code: 'ERROR_METHOD_NOT_FOUND', status: 404 }],
      [
        'setowner by a member who does not own the group',
        portal.call('2', 'sonet_group.setowner', { GROUP_ID: open, USER_ID: 2 }),
        { code: 'ACCESS_DENIED', status: 400, message: 'Insufficient permissions to complete the operation.' },
      ],
    ]
    for (const [name, call, expected] of cases) {
      expect(await sdkErrorOf(call), name).toMatchObject(expected)
    }
  })
})
