import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

let portal: TestPortal
let openGroup: number
beforeAll(async () => {
  portal = await startTestPortal()
  openGroup = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Wire', OPENED: 'Y' })
})
afterAll(() => portal.close())

const hook = (user = '1') => `/rest/${user}/${codeOf(user)}`

async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${portal.httpUrl}${path}`, init)
  return {
    status: res.status,
    body: (await res.json()) as {
      result?: unknown
      error?: string
      error_description?: string
      time?: Record<string, unknown>
    },
  }
}

describe('Bitrix24 wire forms', () => {
  it('answers GET with a query string, with the full time block', async () => {
    const { status, body } = await send(`${hook()}/sonet_group.user.get?ID=${openGroup}`)
    expect(status).toBe(200)
    expect(body.result).toEqual([{ USER_ID: '1', ROLE: 'A' }])
    expect(Object.keys(body.time ?? {}).sort()).toEqual(
      [
        'date_finish',
        'date_start',
        'duration',
        'finish',
        'operating',
        'operating_reset_at',
        'processing',
        'start',
      ].sort(),
    )
  })

  it('accepts the .json suffix, a trailing slash, any method case and ignores extra parameters', async () => {
    for (const path of [
      `${hook()}/sonet_group.user.get.json?ID=${openGroup}`,
      `${hook()}/sonet_group.user.get/?ID=${openGroup}&bx24_request_id=abc`,
      `${hook()}/SONET_GROUP.User.Get.JSON?ID=${openGroup}&bx24_sdk_ver=2.2.0`,
    ]) {
      expect((await send(path)).body.result, path).toEqual([{ USER_ID: '1', ROLE: 'A' }])
    }
  })

  it('reads POST JSON with numbers or strings', async () => {
    for (const id of [openGroup, String(openGroup)]) {
      const { body } = await send(`${hook('2')}/sonet_group.user.request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ GROUP_ID: id, MESSAGE: 'json' }),
      })
      expect(body.result).toBe(true)
    }
  })

  it('reads urlencoded forms with PHP bracket arrays and maps', async () => {
    const created = await send(`${hook()}/sonet_group.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'NAME=Form+group&OPENED=N',
    })
    const id = created.body.result as number
    const added = await send(`${hook()}/sonet_group.user.add`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `GROUP_ID=${id}&USER_ID[]=3&USER_ID[]=4`,
    })
    expect(added.body.result).toEqual(['3', '4'])
    const filtered = await send(`${hook()}/sonet_group.get?FILTER[>=ID]=${id}&FILTER[%NAME]=form&ORDER[ID]=DESC`)
    expect((filtered.body.result as { ID: string }[]).map((g) => g.ID)).toEqual([String(id)])
  })

  it('reads multipart forms', async () => {
    const form = new FormData()
    form.append('GROUP_ID', String(openGroup))
    form.append('MESSAGE', 'multipart')
    const { body } = await send(`${hook('3')}/sonet_group.user.request`, { method: 'POST', body: form })
    expect(body.result).toBe(true)
  })

  it('authenticates OAuth-style calls by auth in the query, the body, or a Bearer header', async () => {
    await portal.close()
    portal = await startTestPortal({ auth: { token: (t) => (t === 'token-of-5' ? '5' : null) } })
    const id = 1
    const viaQuery = await send(`/rest/sonet_group.create.json?auth=token-of-5&NAME=Q`)
    expect(viaQuery.body.result).toBe(id)
    const viaBody = await send('/rest/sonet_group.user.get', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: 'token-of-5', ID: id }),
    })
    expect(viaBody.body.result).toEqual([{ USER_ID: '5', ROLE: 'A' }])
    const viaHeader = await send(`/rest/sonet_group.user.get?ID=${id}`, {
      headers: { authorization: 'Bearer token-of-5' },
    })
    expect(viaHeader.body.result).toEqual([{ USER_ID: '5', ROLE: 'A' }])
    const wrong = await send(`/rest/sonet_group.user.get?ID=${id}&auth=nope`)
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    const none = await send(`/rest/sonet_group.user.get?ID=${id}`)
    expect(none).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } })
  })
})
