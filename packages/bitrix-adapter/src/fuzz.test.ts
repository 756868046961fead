import { PGlite } from '@electric-sql/pglite'
import { createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { createPostgresStore, fromPglite, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { tableDigest } from '@joinery/postgres-store/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METHODS } from './handler.js'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

// Hardening: thousands of malformed calls per method, over HTTP. Every answer is a Bitrix24 error envelope with a
// 4xx status or a success; never a 500 or a crash; a refused call writes nothing.
let portal: TestPortal
beforeAll(async () => {
  portal = await startTestPortal({ rateLimit: false, credentialFailureLimit: false })
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

// Hostile input over HTTP on the PostgreSQL store (PGlite): what the stores cannot hold (NUL, lone surrogates,
// years PostgreSQL's drivers do not write, integers past int4, crafted paths) in every parameter of every method.
// Every answer is a 4xx envelope or a success, never a 5xx; a refused call writes nothing to any table.
describe('hostile input on the PostgreSQL store, every Bitrix24 method', () => {
  const SCHEMA = 'fuzz'
  let pglite: PGlite
  let db: SqlDatabase
  let pgPortal: TestPortal
  beforeAll(async () => {
    pglite = new PGlite()
    db = fromPglite(pglite)
    await migrate(db, SCHEMA)
    const joinery = createJoinery({
      store: createPostgresStore(db, { schema: SCHEMA }),
      ids: createSequentialIdGenerator(),
    })
    pgPortal = await startTestPortal({ rateLimit: false, credentialFailureLimit: false, joinery })
    await pgPortal.call('1', 'sonet_group.create', { NAME: 'Fuzzed', OPENED: 'N' })
    await pgPortal.call('1', 'sonet_group.create', { NAME: 'Hidden', VISIBLE: 'N' })
    await pgPortal.call('1', 'sonet_group.user.add', { GROUP_ID: 1, USER_ID: [2] })
    await pgPortal.call('3', 'sonet_group.user.request', { GROUP_ID: 1, MESSAGE: 'hi' })
  }, 60_000)
  afterAll(async () => {
    await pgPortal?.close()
    await pglite?.close()
  })

  const hostileText = fc.oneof(
    fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '\uD800',
      'x\uDC00',
      'x'.repeat(5000),
      '€'.repeat(700),
      '275760-09-13',
      '-271821-04-20',
      '0000-12-31',
      '+010000-01-01',
      '9999-12-31',
      '99999999999',
      '2147483648',
      '2147483647',
      '-1',
      '1.5',
      'NaN',
      'Infinity',
      '1e400',
      '9007199254740991_a',
      '1_\u0000',
    ),
    fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', 'a', '1', '%', '€'), maxLength: 12 }),
  )
  const hostileParam = fc.oneof(
    hostileText,
    fc.constantFrom(99_999_999_999, 2 ** 31, -(2 ** 31) - 1, 1e300, -0.5),
    fc.array(hostileText, { minLength: 1, maxLength: 2 }),
    fc.dictionary(
      fc.constantFrom(
        '>DATE_CREATE',
        '<DATE_CREATE',
        '%DATE_CREATE',
        '>NUMBER_OF_MEMBERS',
        '%NUMBER_OF_MEMBERS',
        '%NAME',
        'ID',
        '>ID',
        'OWNER_ID',
      ),
      fc.oneof(hostileText, fc.constantFrom(99_999_999_999, 1e300)),
      { minKeys: 1, maxKeys: 2 },
    ),
  )
  const plain = fc.constantFrom('1', '2', '3', 'Y', 'N', 'E', 'K')
  const hostileParams = fc.dictionary(keys, fc.oneof(hostileParam, hostileParam, plain), { minKeys: 1, maxKeys: 4 })
  const enc = (v: string) => encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '')) // urlencoded can't carry lone surrogates
  /** PHP bracket notation for a query string or form: `%00` and friends go as escapes. */
  function form(p: Record<string, unknown>): string {
    const out: string[] = []
    const walk = (key: string, v: unknown) => {
      if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(`${key}[${i}]`, x)
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(`${key}[${k}]`, x)
      else out.push(`${enc(key)}=${enc(String(v))}`)
    }
    for (const [k, v] of Object.entries(p)) walk(k, v)
    return out.join('&')
  }
  const hostilePath = fc.constantFrom(
    '/rest/%zz',
    '/rest/%',
    '/rest/1/%E0%A4%A/sonet_group.get',
    '/rest/1/code-1/%E0%A4%A',
    '/rest/1/code-1/sonet_group.get%00',
    '/rest/%00/code-1/sonet_group.get',
    '/rest/1/code-1%00/sonet_group.get',
    '/rest/%ED%A0%80/x',
  )

  for (const method of [...Object.keys(METHODS), 'batch']) {
    it(`${method}: 0 × 5xx, and a refused call writes nothing`, async () => {
      const statuses: Record<number, number> = {}
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('query', 'form', 'json'),
          hostileParams,
          fc.option(hostilePath, { freq: 8 }),
          async (how, p, badPath) => {
            const before = await tableDigest(db, SCHEMA)
            const path = badPath ?? `/rest/1/${codeOf('1')}/${method}`
            const url = `${pgPortal.httpUrl}${path}${how === 'query' ? `?${form(p)}` : ''}`
            const res = await fetch(
              url,
              how === 'query'
                ? {}
                : {
                    method: 'POST',
                    headers: {
                      'content-type': how === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
                    },
                    body: how === 'json' ? JSON.stringify(p) : form(p),
                  },
            )
            const text = await res.text()
            statuses[res.status] = (statuses[res.status] ?? 0) + 1
            expect(res.status, `${path} ${how} ${JSON.stringify(p).slice(0, 300)} → ${text}`).toBeLessThan(500)
            if (res.status >= 400) {
              // A URL past Node's 16 KiB header limit is answered 431 by Node's HTTP parser, before any handler,
              // with no body: the adapter never saw it. Every other refusal is the adapter's, in its envelope.
              if (res.status !== 431) expect((JSON.parse(text) as { error?: string }).error?.length).toBeGreaterThan(0)
              expect(await tableDigest(db, SCHEMA), text).toBe(before)
            }
          },
        ),
        { numRuns: 150 },
      )
      expect(
        Object.keys(statuses).some((s) => Number(s) === 400),
        JSON.stringify(statuses),
      ).toBe(true)
    }, 120_000)
  }
})
