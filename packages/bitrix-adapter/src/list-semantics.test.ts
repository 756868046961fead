import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

/**
 * List semantics as a portal's. Sources, named in each test:
 * - [huge-data] settings/performance/huge-data.md (start=-1: no count, `total` 0, no `next`; export by `>ID`, ID ASC)
 * - [list] settings/how-to-call-rest-api/list-methods-pecularities.md (pages of 50, `total`, `next`)
 * - [get] api-reference/sonet-group/sonet-group-get.md (ORDER default ID DESC, FILTER operators and fields,
 *   GROUP_ID, IS_ADMIN, start)
 * - [user.get] api-reference/sonet-group/members/sonet-group-user-get.md, [user.groups]
 *   api-reference/sonet-group/sonet-group-user-groups.md (whole lists: no `start`, no `total`/`next`)
 * - [SDK] @bitrix24/b24jssdk 2.2.0 dist/esm/core/actions/v2/call-list.mjs and fetch-list.mjs (`order: {ID: 'ASC'}`,
 *   `filter: {'>ID': last}`, `start: -1`, stop below 50 rows)
 * - [wg-list] api-reference/sonet-group/socialnetwork-api-workgroup-list.md (lower-case filter/select/order/start,
 *   `{workgroups}`, camelCase keys, no `total` for start=-1)
 * - [intval] `CRestServer::processCall` reads `start` with PHP `intval`; `IRestService::getNavData` pages old-style
 *   lists by `floor(start / 50) + 1` (reference §1)
 * - [module] the socialnetwork module's CSocNetGroup::GetList/PrepareSql (unofficial mirror, summarised in
 *   /work/shared/reference/bitrix24-round-two.md §1–3): unknown filter operators and fields are dropped, an ORDER
 *   direction other than ASC descends.
 */

let portal: TestPortal
beforeEach(async () => {
  portal = await startTestPortal({ rateLimit: false })
})
afterEach(() => portal.close())

type Row = Record<string, string>

/** Creates groups straight through the core (ids 1, 2, …), as user 1 unless said otherwise. */
async function groups(names: readonly string[], settings: { visibility?: 'public' | 'hidden' } = {}) {
  for (const name of names) (await portal.joinery.createGroup({ actor: '1', name, ...settings }))._unsafeUnwrap()
}
const numbered = (n: number, prefix = 'G') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`)

/** Raw JSON over HTTP, to see exactly which keys a list answer carries. */
async function raw(method: string, params: Record<string, unknown>, user = '1') {
  const res = await fetch(`${portal.httpUrl}/rest/${user}/${codeOf(user)}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { result: Row[] } }
}
const ids = (rows: Row[]) => rows.map((r) => r.ID ?? '')
const get = async (params: Record<string, unknown>, user = '1') =>
  ids(await portal.call<Row[]>(user, 'sonet_group.get', params))

describe('start = -1: the first page, not counted', () => {
  it('sonet_group.get answers the first 50 with total 0 and no next [huge-data]', async () => {
    await groups(numbered(53))
    const { status, body } = await raw('sonet_group.get', { start: -1 })
    expect(status).toBe(200)
    expect(body.result).toHaveLength(50)
    expect(body.total).toBe(0)
    expect(body).not.toHaveProperty('next')
    // Default order ID DESC [get].
    expect(body.result[0]?.ID).toBe('53')
  })

  it('any negative start reads as -1, as the server takes start through intval [huge-data]', async () => {
    await groups(numbered(3))
    const { body } = await raw('sonet_group.get', { start: '-5', ORDER: { ID: 'ASC' } })
    expect({ ids: ids(body.result), total: body.total, next: body.next }).toEqual({
      ids: ['1', '2', '3'],
      total: 0,
      next: undefined,
    })
  })

  it('the sonet_group.user.request.list extension pages the same way: first page, total 0, no next [huge-data]', async () => {
    const group = (
      await portal.joinery.createGroup({ actor: '1', name: 'Asked', admission: 'approval' })
    )._unsafeUnwrap().id
    for (const user of ['2', '3']) await portal.call(user, 'sonet_group.user.request', { GROUP_ID: group })
    const { body } = await raw('sonet_group.user.request.list', { GROUP_ID: group, start: -1 })
    expect(body.result.map((r) => r.USER_ID)).toEqual(['2', '3'])
    expect(body.total).toBe(0)
    expect(body).not.toHaveProperty('next')
  })

  // The SDK's helpers send lower-case `filter`, `order` and `start: -1`. `sonet_group.get` reads only the upper-case
  // FILTER and ORDER [module], so on a portal its `>ID` cursor is ignored; the method the helpers fit is the ORM-style
  // socialnetwork.api.workgroup.list [wg-list]: lower-case names, `{workgroups}`, ids under `id`, no total at -1.
  const wgList = {
    method: 'socialnetwork.api.workgroup.list',
    idKey: 'id',
    cursorIdKey: 'ID',
    customKeyForResult: 'workgroups',
  }

  it('the SDK callList.make reads every group over several pages of socialnetwork.api.workgroup.list [SDK, wg-list, huge-data]', async () => {
    await groups(numbered(123))
    const response = await portal.hookFor('1').actions.v2.callList.make<{ id: string }>(wgList)
    expect(response.isSuccess).toBe(true)
    const all = response.getData() ?? []
    expect(all.map((g) => g.id)).toEqual(Array.from({ length: 123 }, (_, i) => String(i + 1)))
  })

  it('the SDK callList.make keeps the caller filter and select across pages [SDK, wg-list]', async () => {
    await groups([...numbered(60, 'Alpha'), ...numbered(60, 'Beta')])
    const response = await portal.hookFor('1').actions.v2.callList.make<{ id: string; name: string }>({
      ...wgList,
      params: { filter: { '%NAME': 'beta' }, select: ['ID', 'NAME'] },
    })
    const all = response.getData() ?? []
    expect(all).toHaveLength(60)
    expect(all.every((g) => g.name.startsWith('Beta'))).toBe(true)
  })

  it('the SDK fetchList.make yields pages of 50 and the rest [SDK, wg-list, huge-data]', async () => {
    await groups(numbered(120))
    const sizes: number[] = []
    const seen: string[] = []
    for await (const chunk of portal.hookFor('1').actions.v2.fetchList.make<{ id: string }>(wgList)) {
      sizes.push(chunk.length)
      seen.push(...chunk.map((g) => g.id))
    }
    expect(sizes).toEqual([50, 50, 20])
    expect(new Set(seen).size).toBe(120)
  })

  it('socialnetwork.api.workgroup.list answers start=-1 without total, and an exact start with total and next [wg-list]', async () => {
    await groups(numbered(60))
    const uncounted = await raw('socialnetwork.api.workgroup.list', { start: -1, order: { ID: 'ASC' } })
    expect(uncounted.body).not.toHaveProperty('total')
    expect(uncounted.body).not.toHaveProperty('next')
    const page = await raw('socialnetwork.api.workgroup.list', {
      start: 7,
      order: { ID: 'ASC' },
      select: ['ID', 'NAME', 'INITIATE_PERMS'],
    })
    const rows = (page.body.result as unknown as { workgroups: Row[] }).workgroups
    // Made through the core with its defaults: the owner alone approves and invites, INITIATE_PERMS A.
    expect(rows[0]).toEqual({ id: '8', name: 'G8', initiatePerms: 'A' })
    expect(page.body).toMatchObject({ total: 60, next: 57 })
  })

  it('sonet_group.get reads only the upper-case FILTER and ORDER: the lower-case ones the helpers send are ignored [module]', async () => {
    await groups(numbered(3))
    expect(await get({ filter: { ID: 2 }, order: { ID: 'ASC' } })).toEqual(['3', '2', '1'])
    expect(await get({ FILTER: { ID: 2 } })).toEqual(['2'])
    // A portal's callList over sonet_group.get sees one page only; with fewer than 50 groups that is all of them.
    const response = await portal.hookFor('1').actions.v2.callList.make<Row>({ method: 'sonet_group.get' })
    expect(ids(response.getData() ?? [])).toEqual(['3', '2', '1'])
  })
})

describe('whole lists and pages', () => {
  it('sonet_group.get pages by 50 with total and next; next as start reads the next page [list, get]', async () => {
    await groups(numbered(60))
    const first = await portal.hookFor('1').actions.v2.call.make<Row[]>({ method: 'sonet_group.get' })
    expect(first.getTotal()).toBe(60)
    expect(first.isMore()).toBe(true)
    const { body } = await raw('sonet_group.get', { start: 50 })
    expect(body.result).toHaveLength(10)
    expect(body.total).toBe(60)
    expect(body).not.toHaveProperty('next')
    expect(new Set([...ids((first.getData() as { result: Row[] }).result), ...ids(body.result)]).size).toBe(60)
  })

  it('sonet_group.user.groups answers every group of the caller, without total or next, whatever start [user.groups]', async () => {
    await groups(numbered(53))
    for (let g = 1; g <= 53; g++) await portal.joinery.addMembers({ actor: '1', groupId: String(g), userIds: ['2'] })
    for (const start of [undefined, 0, 50, -1]) {
      const { body } = await raw('sonet_group.user.groups', start === undefined ? {} : { start }, '2')
      expect(body.result).toHaveLength(53)
      expect(body).not.toHaveProperty('total')
      expect(body).not.toHaveProperty('next')
    }
  })

  it('sonet_group.user.get answers every member, without total or next, whatever start [user.get]', async () => {
    await groups(['Big'])
    const userIds = Array.from({ length: 130 }, (_, i) => String(100 + i))
    // One core command adds at most 100 users.
    for (let i = 0; i < userIds.length; i += 100) {
      ;(
        await portal.joinery.addMembers({ actor: '1', groupId: '1', userIds: userIds.slice(i, i + 100) })
      )._unsafeUnwrap()
    }
    for (const start of [undefined, 50, -1]) {
      const { body } = await raw('sonet_group.user.get', start === undefined ? { ID: 1 } : { ID: 1, start })
      expect(body.result).toHaveLength(131)
      expect(new Set(body.result.map((m) => m.USER_ID)).size).toBe(131)
      expect(body).not.toHaveProperty('total')
      expect(body).not.toHaveProperty('next')
    }
  })
})

describe('sonet_group.get FILTER, GROUP_ID, IS_ADMIN and ORDER', () => {
  beforeEach(async () => {
    await groups(['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'])
  })

  it('GROUP_ID adds ID = GROUP_ID, over a FILTER ID; a GROUP_ID that is not positive is ignored [get]', async () => {
    expect(await get({ GROUP_ID: 3 })).toEqual(['3'])
    expect(await get({ GROUP_ID: '2', FILTER: { ID: 4 } })).toEqual(['2'])
    expect(await get({ GROUP_ID: 2, FILTER: { '>ID': 3 } })).toEqual([])
    expect(await get({ GROUP_ID: 0 })).toEqual(['5', '4', '3', '2', '1'])
  })

  it('IS_ADMIN=Y from a user who is no administrator is ignored: hidden groups stay hidden [get]', async () => {
    await groups(['Secret'], { visibility: 'hidden' })
    expect(await get({ IS_ADMIN: 'Y' }, '2')).toEqual(['5', '4', '3', '2', '1'])
    expect(await get({ IS_ADMIN: 'Y' })).toEqual(['6', '5', '4', '3', '2', '1'])
  })

  it('a list of values matches any of them; under ! none of them [get, module]', async () => {
    expect(await get({ FILTER: { ID: [1, 3, 99] } })).toEqual(['3', '1'])
    expect(await get({ FILTER: { '%NAME': ['lph', 'ELT'] } })).toEqual(['4', '1'])
    expect(await get({ FILTER: { '!ID': ['1', '2'] } })).toEqual(['5', '4', '3'])
    expect(await get({ FILTER: { ID: [] } })).toEqual([])
  })

  it('takes every documented operator: != >< !>< ? !% besides ! > >= < <= % = [get]', async () => {
    expect(await get({ FILTER: { '!=ID': 2 } })).toEqual(['5', '4', '3', '1'])
    expect(await get({ FILTER: { '><ID': [2, 4] } })).toEqual(['4', '3', '2'])
    expect(await get({ FILTER: { '!><ID': [2, 4] } })).toEqual(['5', '1'])
    expect(await get({ FILTER: { '?NAME': 'ch' } })).toEqual(['5', '3'])
    expect(await get({ FILTER: { '!%NAME': 'a' } })).toEqual(['5'])
    expect(await get({ FILTER: { '=NAME': 'Bravo', '<=ID': 2 } })).toEqual(['2'])
  })

  it('drops unknown operators and unknown fields quietly, as the module does [module]', async () => {
    expect(await get({ FILTER: { '>>ID': 1, '=%NAME': 'x', '~NAME': 'x', COLOUR: 'red' } })).toEqual([
      '5',
      '4',
      '3',
      '2',
      '1',
    ])
  })

  it('answers for the fields Joinery does not keep as a portal would for these groups [get]', async () => {
    const all = ['5', '4', '3', '2', '1']
    // One site, one subject, no extranet: a filter that holds for them holds for every group, any other for none.
    expect(await get({ FILTER: { IS_EXTRANET: 'N' } })).toEqual(all)
    expect(await get({ FILTER: { IS_EXTRANET: 'Y' } })).toEqual([])
    expect(await get({ FILTER: { SITE_ID: 's1' } })).toEqual(all)
    expect(await get({ FILTER: { SITE_ID: ['s2', 'ex'] } })).toEqual([])
    expect(await get({ FILTER: { SUBJECT_ID: 1 } })).toEqual(all)
    expect(await get({ FILTER: { '!SUBJECT_ID': 1 } })).toEqual([])
    // No update or activity time is kept: the rows show the creation time there, and a filter reads it.
    expect(await get({ FILTER: { '>DATE_UPDATE': '2020-01-01T00:00:00+00:00' } })).toEqual(all)
    expect(await get({ FILTER: { '<DATE_ACTIVITY': '2020-01-01T00:00:00+00:00' } })).toEqual([])
    const refused = await raw('sonet_group.get', { FILTER: { '>DATE_UPDATE': 'yesterday' } })
    expect(refused).toMatchObject({ status: 400, body: { error: 'ERROR_ARGUMENT' } })
    expect((await portal.call<Row[]>('1', 'sonet_group.get', { GROUP_ID: 1 }))[0]).toMatchObject({
      SITE_ID: 's1',
      SUBJECT_ID: '1',
      IS_EXTRANET: 'N',
      ACTIVE: 'Y',
      PROJECT: 'N',
    })
  })

  it('orders by ID DESC by default, and when ORDER is not a map [get]', async () => {
    expect(await get({})).toEqual(['5', '4', '3', '2', '1'])
    expect(await get({ ORDER: 'NAME' })).toEqual(['5', '4', '3', '2', '1'])
  })

  it('orders on every documented field; a direction other than ASC descends, unknown fields are ignored [get, module]', async () => {
    await portal.call('1', 'sonet_group.update', { GROUP_ID: 2, CLOSED: 'Y' })
    await portal.call('1', 'sonet_group.update', { GROUP_ID: 4, OPENED: 'Y' })
    expect(await get({ ORDER: { NAME: 'asc' } })).toEqual(['1', '2', '3', '4', '5'])
    expect(await get({ ORDER: { NAME: 'sideways' } })).toEqual(['5', '4', '3', '2', '1'])
    expect(await get({ ORDER: { CLOSED: 'ASC', ID: 'ASC' } })).toEqual(['1', '3', '4', '5', '2'])
    expect(await get({ ORDER: { OPENED: 'DESC', ID: 'DESC' } })).toEqual(['4', '5', '3', '2', '1'])
    expect(await get({ ORDER: { COLOUR: 'ASC', ID: 'ASC' } })).toEqual(['1', '2', '3', '4', '5'])
    for (const field of [
      'ID',
      'NAME',
      'OWNER_ID',
      'ACTIVE',
      'VISIBLE',
      'OPENED',
      'CLOSED',
      'DATE_CREATE',
      'DATE_UPDATE',
      'DATE_ACTIVITY',
      'IS_EXTRANET',
      'NUMBER_OF_MEMBERS',
      'SITE_ID',
      'SUBJECT_ID',
      'PROJECT',
    ]) {
      expect((await get({ ORDER: { [field]: 'ASC' } })).sort(), field).toEqual(['1', '2', '3', '4', '5'])
    }
  })
})
