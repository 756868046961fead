import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { METHODS } from './handler.js'
import { codeOf, sdkErrorOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

/**
 * What works against this adapter works against a portal (issue 13, items 2–5). Each test names the Bitrix24
 * behaviour it matches and its source:
 * - [docs:<page>] a page of `bitrix24/b24restdocs`, under api-reference/ or settings/
 * - [module:<method>] the socialnetwork or rest module's method (unofficial mirror `bitrix-core-business`,
 *   modules/socialnetwork/classes/general/rest.php `CSocNetLogRestService`, user_group.php `CSocNetUserToGroup`,
 *   modules/rest/classes/general/rest_provider.php `CRestProvider`), summarised in
 *   /work/shared/reference/bitrix24-round-two.md.
 * The test portal's user 1 is its administrator (as a portal's first user); users 2–6 are not.
 * Calls go through the official SDK over TLS (`portal.call`), or as curl and PHP-style form posts (`curl`, `form`).
 */

let portal: TestPortal
beforeEach(async () => {
  portal = await startTestPortal({ rateLimit: false })
})
afterEach(() => portal.close())

type Row = Record<string, unknown>

/** A curl-shaped call: POST with a JSON body to the webhook URL. */
async function curl(user: string, method: string, params: Record<string, unknown>) {
  const res = await fetch(`${portal.httpUrl}/rest/${user}/${codeOf(user)}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  })
  return { status: res.status, body: (await res.json()) as Row & { result: unknown } }
}

/** A PHP-style form post (`http_build_query`: bracket notation, every value a string), as CRest sends it. */
async function form(user: string, method: string, body: string) {
  const res = await fetch(`${portal.httpUrl}/rest/${user}/${codeOf(user)}/${method}.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return { status: res.status, body: (await res.json()) as Row & { result: unknown } }
}

const members = async (group: number) =>
  (await portal.call<{ USER_ID: string; ROLE: string }[]>('1', 'sonet_group.user.get', { ID: group }))
    .map((m) => `${m.USER_ID}:${m.ROLE}`)
    .sort()

describe('portal administrators [docs:sonet-group/members/sonet-group-user-add.md "Who can execute the method: administrator"]', () => {
  it('user.add, .update and .delete refuse a group owner who is no administrator [module:addGroupUsers, updateGroupUsers, deleteGroupUsers]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: "Two's" })
    for (const [method, params, text] of [
      ['sonet_group.user.add', { USER_ID: 3 }, 'No permissions to add users'],
      ['sonet_group.user.update', { USER_ID: 3, ROLE: 'E' }, 'No permissions to update users role'],
      ['sonet_group.user.delete', { USER_ID: 3 }, 'No permissions to update users role'],
    ] as const) {
      expect(await sdkErrorOf(portal.call('2', method, { GROUP_ID: group, ...params })), method).toMatchObject({
        code: 'ACCESS_DENIED',
        status: 400,
        message: text,
      })
    }
    expect(await members(group)).toEqual(['2:A'])
  })

  it('an administrator who is not a member adds, promotes and removes, in hidden groups too [module:addGroupUsers]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Hidden', VISIBLE: 'N' })
    expect(await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [3, 4] })).toEqual(['3', '4'])
    expect(await portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: 3, ROLE: 'E' })).toEqual(['3'])
    expect(await portal.call('1', 'sonet_group.user.delete', { GROUP_ID: group, USER_ID: [2, 4] })).toEqual(['4'])
    expect(await members(group)).toEqual(['2:A', '3:E'])
  })

  it('IS_ADMIN=Y shows an administrator every group, hidden ones too; others are ignored [docs:sonet-group/sonet-group-get.md; module:getGroup]', async () => {
    const hidden = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Secret', VISIBLE: 'N' })
    const ids = async (user: string, params: Row) =>
      (await portal.call<{ ID: string }[]>(user, 'sonet_group.get', params)).map((g) => Number(g.ID))
    expect(await ids('1', {})).not.toContain(hidden)
    expect(await ids('1', { IS_ADMIN: 'Y' })).toContain(hidden)
    // Only the exact string Y.
    expect(await ids('1', { IS_ADMIN: 'y' })).not.toContain(hidden)
    expect(await ids('3', { IS_ADMIN: 'Y' })).not.toContain(hidden)
  })

  it('OWNER_ID on create is honoured for an administrator and ignored for anyone else [docs:sonet-group/sonet-group-create.md; module:createGroup]', async () => {
    const forThree = await portal.call<number>('1', 'sonet_group.create', { NAME: 'For 3', OWNER_ID: 3 })
    expect(await members(forThree)).toEqual(['3:A'])
    const ignored = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Mine', OWNER_ID: 3 })
    expect(await members(ignored)).toEqual(['2:A'])
  })

  it('an administrator may hand over and delete a group they do not own [module:setGroupOwner, deleteGroup]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: "Two's" })
    expect(await portal.call('1', 'sonet_group.setowner', { GROUP_ID: group, USER_ID: 3 })).toBe(true)
    expect(await members(group)).toEqual(['2:K', '3:A'])
    expect(await portal.call('1', 'sonet_group.delete', { GROUP_ID: group })).toBe(true)
  })

  it('profile says who is an administrator [docs:common/users/profile.md; module:CRestProvider::getProfile]', async () => {
    expect(await portal.call('1', 'profile')).toMatchObject({ ID: '1', ADMIN: true, TIME_ZONE_OFFSET: 0 })
    expect(await portal.call('2', 'profile')).toMatchObject({ ID: '2', ADMIN: false })
  })
})

describe('INITIATE_PERMS [docs:sonet-group/sonet-group-create.md; module:createGroup, CSocNetUserToGroup::InitUserPerms]', () => {
  const perms = async (group: number) =>
    (
      await portal.call<{ INITIATE_PERMS: string }>('1', 'socialnetwork.api.workgroup.get', {
        params: { groupId: group },
      })
    ).INITIATE_PERMS

  it('defaults to K, turns an unknown value into K on create, and keeps K as K', async () => {
    expect(await perms(await portal.call<number>('2', 'sonet_group.create', { NAME: 'Default' }))).toBe('K')
    expect(
      await perms(await portal.call<number>('2', 'sonet_group.create', { NAME: 'Odd', INITIATE_PERMS: 'Z' })),
    ).toBe('K')
    for (const value of ['A', 'E', 'K']) {
      const group = await portal.call<number>('2', 'sonet_group.create', { NAME: value, INITIATE_PERMS: value })
      expect(await perms(group)).toBe(value)
    }
    // sonet_group.get deletes INITIATE_PERMS from its rows.
    expect((await portal.call<Row[]>('2', 'sonet_group.get', {}))[0]).not.toHaveProperty('INITIATE_PERMS')
  })

  it('names who may invite: A the owner, E the owner and moderators, K every member; others get [] [docs:sonet-group/members/sonet-group-user-invite.md]', async () => {
    for (const [value, allowed] of [
      ['A', ['2']],
      ['E', ['2', '3']],
      ['K', ['2', '3', '4']],
    ] as const) {
      const group = await portal.call<number>('2', 'sonet_group.create', { NAME: value, INITIATE_PERMS: value })
      await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [3, 4] })
      await portal.call('1', 'sonet_group.user.update', { GROUP_ID: group, USER_ID: 3, ROLE: 'E' })
      for (const [n, inviter] of ['2', '3', '4'].entries()) {
        const target = String(100 + n)
        const invited = await portal.call(inviter, 'sonet_group.user.invite', { GROUP_ID: group, USER_ID: [target] })
        const may = (allowed as readonly string[]).includes(inviter)
        expect(invited, `${value}: ${inviter}`).toEqual(may ? [target] : [])
      }
    }
  })

  it('under K a plain member invites, and the invitee joins by asking [docs:sonet-group/members/sonet-group-user-invite.md]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'K' })
    await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: 4 })
    expect(await portal.call('4', 'sonet_group.user.invite', { GROUP_ID: group, USER_ID: 5 })).toEqual(['5'])
    expect(await portal.call('5', 'sonet_group.user.request', { GROUP_ID: group })).toBe(true)
    expect(await members(group)).toEqual(['2:A', '4:K', '5:K'])
  })

  it('under E a plain member gets [] and nothing changes [docs:sonet-group/members/sonet-group-user-invite.md]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'E', INITIATE_PERMS: 'E' })
    await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: 4 })
    expect(await portal.call('4', 'sonet_group.user.invite', { GROUP_ID: group, USER_ID: 5 })).toEqual([])
    expect(await sdkErrorOf(portal.call('5', 'sonet_group.user.request.withdraw', { GROUP_ID: group }))).toMatchObject({
      code: 'ERROR_REQUEST_NOT_FOUND',
    })
  })
})

describe('owners [docs:sonet-group/sonet-group-setowner.md; module:CSocNetUserToGroup::SetOwner]', () => {
  it('setowner to a non-member adds them as the owner; the old owner becomes K', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Mine' })
    expect(await portal.call('2', 'sonet_group.setowner', { GROUP_ID: group, USER_ID: 5 })).toBe(true)
    expect(await members(group)).toEqual(['2:K', '5:A'])
    const row = (await portal.call<Row[]>('1', 'sonet_group.get', { GROUP_ID: group }))[0]
    expect(row).toMatchObject({ OWNER_ID: '5', NUMBER_OF_MEMBERS: '2' })
  })

  it('sonet_group.update with OWNER_ID changes the owner (as setowner does: see the README) [docs:sonet-group/sonet-group-update.md]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Mine' })
    expect(await portal.call('2', 'sonet_group.update', { GROUP_ID: group, OWNER_ID: 3, NAME: 'Theirs' })).toBe(group)
    expect((await portal.call<Row[]>('1', 'sonet_group.get', { GROUP_ID: group }))[0]).toMatchObject({
      OWNER_ID: '3',
      NAME: 'Theirs',
    })
    expect(await members(group)).toEqual(['2:K', '3:A'])
  })
})

describe('fields [docs:sonet-group/sonet-group-get.md, sonet-group/sonet-group-user-groups.md; module:getGroup, getUserGroups]', () => {
  it('sonet_group.get rows carry the documented keys, values as strings, empty text as null, dates with an offset', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Fields', KEYWORDS: 'a,b' })
    const row = (await portal.call<Row[]>('2', 'sonet_group.get', { GROUP_ID: group }))[0] ?? {}
    expect(Object.keys(row)).toEqual([
      'ID',
      'SITE_ID',
      'NAME',
      'DESCRIPTION',
      'DATE_CREATE',
      'DATE_UPDATE',
      'ACTIVE',
      'VISIBLE',
      'OPENED',
      'CLOSED',
      'SUBJECT_ID',
      'OWNER_ID',
      'KEYWORDS',
      'NUMBER_OF_MEMBERS',
      'DATE_ACTIVITY',
      'SUBJECT_NAME',
      'PROJECT',
      'IS_EXTRANET',
    ])
    expect(row).toMatchObject({ ID: String(group), DESCRIPTION: null, NUMBER_OF_MEMBERS: '1', ACTIVE: 'Y' })
    expect(row.DATE_CREATE).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
    // No image: no IMAGE key, as the module adds it only for a group with one.
    expect(row).not.toHaveProperty('IMAGE')
  })

  it('keeps KEYWORDS, SUBJECT_ID and PROJECT, and filters on them; a group made elsewhere shows subject 1, project N [docs:sonet-group/sonet-group-create.md, sonet-group-update.md]', async () => {
    const elsewhere = Number((await portal.joinery.createGroup({ actor: '2', name: 'Core-made' }))._unsafeUnwrap().id)
    const project = await portal.call<number>('2', 'sonet_group.create', {
      NAME: 'Launch',
      KEYWORDS: 'rocket, moon',
      SUBJECT_ID: 7,
      PROJECT: 'Y',
    })
    const row = async (id: number) => (await portal.call<Row[]>('2', 'sonet_group.get', { GROUP_ID: id }))[0]
    expect(await row(project)).toMatchObject({ KEYWORDS: 'rocket, moon', SUBJECT_ID: '7', PROJECT: 'Y' })
    expect(await row(elsewhere)).toMatchObject({ KEYWORDS: null, SUBJECT_ID: '1', PROJECT: 'N' })
    // An update sets only what it names.
    await portal.call('2', 'sonet_group.update', { GROUP_ID: project, KEYWORDS: 'mars' })
    expect(await row(project)).toMatchObject({ KEYWORDS: 'mars', SUBJECT_ID: '7', PROJECT: 'Y' })
    const ids = async (FILTER: Row) =>
      (await portal.call<{ ID: string }[]>('2', 'sonet_group.get', { FILTER })).map((g) => Number(g.ID))
    expect(await ids({ PROJECT: 'Y' })).toEqual([project])
    expect(await ids({ PROJECT: 'N' })).toEqual([elsewhere])
    expect(await ids({ SUBJECT_ID: 1 })).toEqual([elsewhere])
    expect(await ids({ '>SUBJECT_ID': 5 })).toEqual([project])
    expect(await ids({ '%KEYWORDS': 'MAR' })).toEqual([project])
    expect(await portal.call('2', 'socialnetwork.api.workgroup.get', { params: { groupId: project } })).toMatchObject({
      SUBJECT_ID: 7,
      KEYWORDS: 'mars',
      PROJECT: 'Y',
      TYPE: 'project',
    })
  })

  it('sonet_group.user.groups gives GROUP_IMAGE_ID null and GROUP_IMAGE "" for a group without an image', async () => {
    await portal.call('2', 'sonet_group.create', { NAME: 'Plain' })
    expect(await portal.call('2', 'sonet_group.user.groups')).toEqual([
      { GROUP_ID: '1', GROUP_NAME: 'Plain', ROLE: 'A', GROUP_IMAGE_ID: null, GROUP_IMAGE: '' },
    ])
  })
})

describe('member edge cases as the module behaves', () => {
  it('user.add skips a pending requester (and a banned user) instead of adding them [module:addGroupUsers]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Asked' })
    expect(await portal.call('4', 'sonet_group.user.request', { GROUP_ID: group, MESSAGE: 'me?' })).toBe(true)
    expect(await portal.call('1', 'sonet_group.user.add', { GROUP_ID: group, USER_ID: [4, 5] })).toEqual(['5'])
    expect(await members(group)).toEqual(['2:A', '5:K'])
  })

  it('user.delete of a pending requester removes the request and answers their id [module:deleteGroupUsers]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Asked' })
    await portal.call('4', 'sonet_group.user.request', { GROUP_ID: group })
    expect(await portal.call('1', 'sonet_group.user.delete', { GROUP_ID: group, USER_ID: [4, 6] })).toEqual(['4'])
    expect(await portal.call('2', 'sonet_group.user.request.list', { GROUP_ID: group })).toEqual([])
    // Not barred: they may ask again.
    expect(await portal.call('4', 'sonet_group.user.request', { GROUP_ID: group })).toBe(true)
  })
})

describe("parameter names as a portal reads them [module:CSocNetLogRestService reads $arFields['GROUP_ID']]", () => {
  it('reads GROUP_ID literally: group_id is not GROUP_ID', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Case' })
    expect(await curl('3', 'sonet_group.user.request', { group_id: group })).toMatchObject({
      status: 400,
      body: { error: 'ERROR_ARGUMENT', error_description: 'Wrong group ID' },
    })
    expect(await curl('3', 'sonet_group.user.request', { GROUP_ID: group })).toMatchObject({ status: 200 })
  })

  it('reads start through intval: non-numeric is 0, fractions are cut, and a page starts at a multiple of 50 [docs:settings/how-to-call-rest-api/list-methods-pecularities.md; module:IRestService::getNavData]', async () => {
    for (let i = 0; i < 60; i++) (await portal.joinery.createGroup({ actor: '1', name: `G${i}` }))._unsafeUnwrap()
    const page = async (start: unknown) => (await curl('1', 'sonet_group.get', { start, ORDER: { ID: 'ASC' } })).body
    expect(await page('abc')).toMatchObject({ total: 60, next: 50 })
    expect(((await page('abc')).result as Row[])[0]?.ID).toBe('1')
    // 49.9 → 49 → page 1; "51abc" → 51 → page 2 (rows 51–60).
    expect(((await page(49.9)).result as Row[])[0]?.ID).toBe('1')
    const second = await page('51abc')
    expect(((second.result as Row[])[0] as Row).ID).toBe('51')
    expect(second).not.toHaveProperty('next')
    // Form posts carry it as text: the same.
    const posted = await form('1', 'sonet_group.get', 'start=50.7&ORDER[ID]=ASC')
    expect((posted.body.result as Row[]).map((g) => g.ID)).toHaveLength(10)
  })
})

describe('batch [docs:settings/how-to-call-rest-api/batch.md; module:CRestProvider::batch]', () => {
  it('runs the first 50 of 51 commands and answers the 51st in result_error, with HTTP 200', async () => {
    const cmd = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`c${i}`, 'scope']))
    const { status, body } = await curl('1', 'batch', { cmd })
    expect(status).toBe(200)
    const result = body.result as { result: Row; result_error: Row }
    expect(Object.keys(result.result)).toHaveLength(50)
    expect(result.result_error).toEqual({
      c50: { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' },
    })
  })

  it('answers a nested batch in result_error and runs the rest', async () => {
    const { status, body } = await form('1', 'batch', 'cmd[a]=batch%3Fcmd%5Bb%5D%3Dscope&cmd[b]=scope')
    expect(status).toBe(200)
    const result = body.result as { result: Row; result_error: Row }
    expect(result.result_error).toEqual({
      a: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' },
    })
    expect(result.result).toHaveProperty('b')
  })

  it('reads halt as PHP (bool): "1", "true", "Y" and even "false" halt; "0", "" and none do not', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Halt' })
    const run = async (halt: string | null) => {
      const body = `${halt === null ? '' : `halt=${halt}&`}cmd[bad]=sonet_group.user.request%3FGROUP_ID%3D0&cmd[good]=sonet_group.user.get%3FID%3D${group}`
      const answer = (await form('1', 'batch', body)).body.result as { result: Row | unknown[] }
      return Array.isArray(answer.result) ? [] : Object.keys(answer.result)
    }
    for (const halting of ['1', 'true', 'Y', 'false']) expect(await run(halting), halting).toEqual([])
    for (const going of ['0', '', null]) expect(await run(going), String(going)).toEqual(['good'])
  })

  it('answers the SDK batch over TLS with empty sections as []', async () => {
    const response = await portal.hookFor('1').actions.v2.batch.make({
      calls: { a: { method: 'scope', params: {} }, b: { method: 'profile', params: {} } },
      options: { isHaltOnError: true, returnAjaxResult: true },
    })
    expect(response.isSuccess).toBe(true)
    const raw = await curl('1', 'batch', { cmd: { a: 'scope' } })
    expect((raw.body.result as Row).result_error).toEqual([])
  })
})

describe('the usual first calls and the other documented methods, through the SDK over TLS', () => {
  it('scope, methods, profile and user.current [docs:common/system/scope.md, methods.md; user/user-current.md]', async () => {
    expect(await portal.call('2', 'scope')).toEqual(['sonet_group', 'socialnetwork', 'user'])
    const methods = await portal.call<string[]>('2', 'methods')
    expect(methods).toContain('sonet_group.get')
    expect(methods).toContain('socialnetwork.api.workgroup.list')
    expect(methods).not.toContain('sonet_group.user.request.approve')
    expect(await portal.call('2', 'methods', { scope: 'socialnetwork' })).toEqual([
      'socialnetwork.api.workgroup.get',
      'socialnetwork.api.workgroup.list',
    ])
    expect(await portal.call('2', 'user.current')).toMatchObject({ ID: '2', ACTIVE: true, EMAIL: '' })
  })

  it('sonet_group.feature.access answers true or false, and refuses unknown features and operations [docs:sonet-group/sonet-group-feature-access.md; module:getGroupFeatureAccess]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Features' })
    const access = (user: string, FEATURE: string, OPERATION: string) =>
      portal.call(user, 'sonet_group.feature.access', { GROUP_ID: group, FEATURE, OPERATION })
    expect(await access('2', 'blog', 'write_post')).toBe(true)
    expect(await access('3', 'blog', 'write_post')).toBe(false)
    expect(await access('3', 'blog', 'view_post')).toBe(true)
    expect(await access('1', 'blog', 'full_post')).toBe(true)
    expect(await sdkErrorOf(access('2', 'wiki', 'view'))).toMatchObject({ message: 'Wrong feature' })
    expect(await sdkErrorOf(access('2', 'blog', 'fly'))).toMatchObject({ message: 'Wrong operation' })
  })

  it('socialnetwork.api.workgroup.get types its row: integers stay integers, INITIATE_PERMS present [docs:sonet-group/socialnetwork-api-workgroup-get.md]', async () => {
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Typed', INITIATE_PERMS: 'E' })
    expect(await portal.call('2', 'socialnetwork.api.workgroup.get', { params: { groupId: group } })).toMatchObject({
      ID: group,
      OWNER_ID: 2,
      NUMBER_OF_MEMBERS: 1,
      INITIATE_PERMS: 'E',
      TYPE: 'group',
    })
  })
})

describe('subjects [module:getGroupSubject, addGroupSubject, updateGroupSubject, deleteGroupSubject; docs:sonet-group/outdated/on-sonet-group-subject-add.md]', () => {
  it('lists, adds (administrators), updates and deletes subjects, with the module’s order of checks', async () => {
    expect(await portal.call('2', 'sonet_group_subject.get')).toEqual([
      { ID: '1', NAME: 'Workgroups', SITE_ID: ['s1'] },
    ])
    // The sole subject of a site cannot go, and that is checked before the caller's rights.
    expect(await sdkErrorOf(portal.call('2', 'sonet_group_subject.delete', { SUBJECT_ID: 1 }))).toMatchObject({
      message: 'Cannot delete the sole group subject for site (s1)',
    })
    expect(await sdkErrorOf(portal.call('2', 'sonet_group_subject.add', { NAME: 'Projects' }))).toMatchObject({
      code: 'ACCESS_DENIED',
      message: 'User has no permissions to add group subject',
    })
    expect(await portal.call('1', 'sonet_group_subject.add', { NAME: 'Projects', SORT: 50 })).toEqual({ SUBJECT_ID: 2 })
    // A missing subject is reported before the caller's rights.
    expect(
      await sdkErrorOf(portal.call('2', 'sonet_group_subject.update', { SUBJECT_ID: 9, NAME: 'x' })),
    ).toMatchObject({
      message: 'Socialnetwork group subject not found',
    })
    expect(await portal.call('1', 'sonet_group_subject.update', { SUBJECT_ID: 2, NAME: 'Launches' })).toBe(2)
    expect(await portal.call('2', 'sonet_group_subject.get')).toEqual([
      { ID: '2', NAME: 'Launches', SITE_ID: ['s1'] },
      { ID: '1', NAME: 'Workgroups', SITE_ID: ['s1'] },
    ])
    const group = await portal.call<number>('2', 'sonet_group.create', { NAME: 'Rocket', SUBJECT_ID: 2 })
    expect((await portal.call<Row[]>('2', 'sonet_group.get', { GROUP_ID: group }))[0]).toMatchObject({
      SUBJECT_ID: '2',
      SUBJECT_NAME: 'Launches',
    })
    expect(await portal.call('1', 'sonet_group_subject.delete', { SUBJECT_ID: 2 })).toBe(true)
    expect(await portal.call('2', 'sonet_group_subject.get', { SUBJECT_ID: 2 })).toEqual([])
  })
})

describe('extensions are set apart', () => {
  it('METHODS marks every non-Bitrix method as an extension; the standard ones are not', () => {
    const extensions = Object.entries(METHODS)
      .filter(([, m]) => m.extension)
      .map(([name]) => name)
    expect(extensions.sort()).toEqual([
      'sonet_group.user.ban',
      'sonet_group.user.request.approve',
      'sonet_group.user.request.list',
      'sonet_group.user.request.reject',
      'sonet_group.user.request.withdraw',
      'sonet_group.user.unban',
    ])
  })
})
