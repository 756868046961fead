import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METHODS } from './handler.js'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

// Hardening: thousands of malformed calls per method, over HTTP. Every answer is a Bitrix24 error envelope with a
// 4xx status or a success; never a 500 or a crash; a refused call writes nothing.
let portal: TestPortal
beforeAll(async () => {
  portal = await startTestPortal({ rateLimit: false })
  await portal.call('1', 'sonet_group.create', { NAME: 'Fuzzed', OPENED: 'N' })
  await portal.call('1', 'sonet_group.user.add', { GROUP_ID: 1, USER_ID: [2] })
  await portal.call('3', 'sonet_group.user.request', { GROUP_ID: 1, MESSAGE: 'hi' })
})
afterAll(() => portal.close())

const keys = fc.constantFrom(
  'GROUP_ID',
  'ID',
  'USER_ID',
  'MESSAGE',
  'NAME',
  'OPENED',
  'CLOSED',
  'VISIBLE',
  'ROLE',
  'FILTER',
  'ORDER',
  'start',
  'cmd',
  'halt',
  'auth',
  'REASON',
  'INITIATE_PERMS',
)
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('1', '2', 'Y', 'N', 'E', 'K', 'A', '-1', '0', '1e3', '9999999999999999999'),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.string({ maxLength: 4 })), { maxLength: 4 }),
  fc.dictionary(
    fc.constantFrom('>ID', '%NAME', '!OPENED', 'ID', 'NAME', 'X', '<=NUMBER_OF_MEMBERS'),
    fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
  ),
)
const params = fc.dictionary(keys, value, { maxKeys: 5 })
const wireBody = fc.oneof(
  params.map((p) => ({ type: 'application/json', body: JSON.stringify(p) })),
  params.map((p) => ({
    type: 'application/x-www-form-urlencoded',
    body: Object.entries(p)
      .map(
        ([k, v]) =>
          `${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'object' ? JSON.stringify(v) : String(v))}`,
      )
      .join('&'),
  })),
  fc.string({ maxLength: 80 }).map((s) => ({ type: 'application/x-www-form-urlencoded', body: s })),
  fc.string({ maxLength: 80 }).map((s) => ({ type: 'application/json', body: s })),
  fc.string({ maxLength: 80 }).map((s) => ({ type: 'multipart/form-data; boundary=xyz', body: s })),
)
const credentials = fc.oneof(
  fc.constantFrom('1', '2', '3', '4').map((u) => `/rest/${u}/${codeOf(u)}`),
  fc.constant('/rest/1/wrong-code'),
  fc.constant('/rest'),
  fc.string({ maxLength: 12 }).map((s) => `/rest/${encodeURIComponent(s)}/x`),
)

describe('fuzzing every Bitrix24 method', () => {
  for (const method of [...Object.keys(METHODS), 'batch']) {
    it(`${method}: only error envelopes or successes, and refusals change nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST'),
          credentials,
          wireBody,
          fc.boolean(),
          async (verb, prefix, payload, suffix) => {
            const before = portal.store.recentEvents().length
            const path = `${prefix}/${method}${suffix ? '.json' : ''}`
            const res = await fetch(
              `${portal.httpUrl}${path}${verb === 'GET' && payload.type.includes('urlencoded') ? `?${payload.body}` : ''}`,
              {
                method: verb,
                ...(verb === 'POST' ? { headers: { 'content-type': payload.type }, body: payload.body } : {}),
              },
            )
            const json = (await res.json()) as {
              error?: string
              error_description?: string
              result?: unknown
              time?: unknown
            }
            expect(res.status, JSON.stringify(json)).toBeLessThan(500)
            if (res.status >= 400) {
              expect(json.error?.length, JSON.stringify(json)).toBeGreaterThan(0)
              expect(typeof json.error_description).toBe('string')
              expect(portal.store.recentEvents().length).toBe(before)
            } else {
              expect(json).toHaveProperty('result')
              expect(json).toHaveProperty('time')
            }
          },
        ),
        { numRuns: 1000 },
      )
    }, 120_000)
  }
})
