import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

let portal: TestPortal
let group: number
let eventsBefore: number
beforeAll(async () => {
  portal = await startTestPortal({ rateLimit: false })
  group = await portal.call<number>('1', 'sonet_group.create', { NAME: 'Guarded', OPENED: 'N' })
  eventsBefore = portal.store.recentEvents().length
})
afterAll(() => portal.close())

async function post(path: string, body: string, contentType = 'application/json') {
  const res = await fetch(`${portal.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })
  const text = await res.text()
  let parsed: { error?: string; error_description?: string; result?: unknown } = {}
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = { error: `non-JSON ${text.slice(0, 30)}` }
  }
  return { status: res.status, body: parsed }
}

const as = (user: string, method: string) => `/rest/${user}/${codeOf(user)}/${method}`

describe('bad input', () => {
  const cases: [string, string, string, string?][] = [
    ['non-numeric group id', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 'seven' })],
    ['negative group id', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: -1 })],
    ['zero group id', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 0 })],
    ['fractional group id', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 1.5 })],
    ['group id as object', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: { a: 1 } })],
    ['missing group id', as('2', 'sonet_group.user.request'), '{}'],
    ['huge message', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 1, MESSAGE: 'm'.repeat(5000) })],
    ['message as array', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 1, MESSAGE: ['a'] })],
    ['malformed JSON', as('2', 'sonet_group.user.request'), '{"GROUP_ID": '],
    ['JSON array body', as('2', 'sonet_group.user.request'), '[1,2]'],
    [
      'prototype pollution',
      as('2', 'sonet_group.user.request'),
      'GROUP_ID=1&__proto__[x]=1',
      'application/x-www-form-urlencoded',
    ],
    [
      'too deep brackets',
      as('2', 'sonet_group.user.request'),
      `GROUP_ID=1&A${'[a]'.repeat(20)}=1`,
      'application/x-www-form-urlencoded',
    ],
    ['body over 1 MiB', as('2', 'sonet_group.user.request'), JSON.stringify({ GROUP_ID: 1, X: 'x'.repeat(1_100_000) })],
    ['unknown method', as('2', 'sonet_group.frobnicate'), '{}'],
    ['method with odd characters', as('2', 'sonet group;drop'), '{}'],
    ['nested path', '/rest/1/code-1/extra/sonet_group.get', '{}'],
    ['wrong webhook code', '/rest/2/not-the-code/sonet_group.user.request', JSON.stringify({ GROUP_ID: 1 })],
    ['unknown webhook user', '/rest/77/code-77/sonet_group.user.request', JSON.stringify({ GROUP_ID: 1 })],
    // An unknown operator (`>>ID`), an odd ORDER direction and a negative start are not errors on a portal
    // (list-semantics.test.ts); a value that cannot be read still is.
    ['bad FILTER', as('2', 'sonet_group.get'), JSON.stringify({ FILTER: { '>DATE_CREATE': 'not a date' } })],
    ['FILTER not a map', as('2', 'sonet_group.get'), JSON.stringify({ FILTER: [1, 2] })],
    ['bad Y/N', as('1', 'sonet_group.update'), JSON.stringify({ GROUP_ID: 1, OPENED: 'maybe' })],
    ['blank name', as('1', 'sonet_group.create'), JSON.stringify({ NAME: '   ' })],
    ['batch without cmd', as('1', 'batch'), '{}'],
  ]

  for (const [name, path, body, type] of cases) {
    it(`answers ${name} with a Bitrix24 error envelope, never a 500`, async () => {
      const res = await post(path, body, type)
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(typeof res.body.error).toBe('string')
      expect(res.body.error?.length).toBeGreaterThan(0)
      expect(typeof res.body.error_description).toBe('string')
    })
  }

  it('changed nothing', async () => {
    expect(portal.store.recentEvents().length).toBe(eventsBefore)
    const members = await portal.call<unknown[]>('1', 'sonet_group.user.get', { ID: group })
    expect(members).toEqual([{ USER_ID: '1', ROLE: 'A' }])
  })
})
