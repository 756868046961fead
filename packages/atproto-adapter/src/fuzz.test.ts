import { PGlite } from '@electric-sql/pglite'
import { createJoinery } from '@joinery/core'
import { createPostgresStore, fromPglite, migrate, type SqlDatabase } from '@joinery/postgres-store'
import { tableDigest } from '@joinery/postgres-store/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lexicons, startTestService, type TestService, type TestUser } from './internal/test-service.js'
import { SERVED_METHODS } from './lexicons/index.js'

// Hardening: thousands of malformed calls per method, over HTTP. Every answer is an XRPC error with a 4xx status
// or a success; never a 500 or a crash; a refused call writes nothing.
let svc: TestService
let user: TestUser
const tokens = new Map<string, string>()
let convoId: string
let code: string

beforeAll(async () => {
  svc = await startTestService()
  user = await svc.newUser()
  for (const nsid of SERVED_METHODS) tokens.set(nsid, await user.token(nsid))
  convoId = (
    (await user.call('chat.bsky.group.createGroup', { name: 'Fuzzed', members: [] })) as { convo: { id: string } }
  ).convo.id
  code = (
    (await user.call('chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone' })) as {
      joinLink: { code: string }
    }
  ).joinLink.code
}, 60_000)
afterAll(() => svc.close())

const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
)
const fieldNames = fc.constantFrom(
  'convoId',
  'code',
  'codes',
  'member',
  'members',
  'name',
  'joinRule',
  'requireApproval',
  'limit',
  'cursor',
  'x',
)
const plausibleValue = () =>
  fc.oneof(
    anyValue,
    fc.constant(convoId),
    fc.constant(code),
    fc.constant(user.did),
    fc.constant([user.did]),
    fc.constantFrom('anyone', 'followedByOwner'),
  )
const body = () =>
  fc.oneof(
    fc.dictionary(fieldNames, plausibleValue(), { maxKeys: 4 }).map((o) => JSON.stringify(o)),
    fc.json({ maxDepth: 2 }),
    fc.string({ maxLength: 60 }),
    fc.constant(''),
  )
const authorization = (nsid: string) =>
  fc.oneof(
    fc.constant(undefined),
    fc.constant(`Bearer ${tokens.get(nsid)}`),
    fc.constant(`Bearer ${tokens.get('chat.bsky.group.requestJoin')}`),
    fc.string({ maxLength: 30 }).map((s) => `Bearer ${s}`),
    fc.string({ maxLength: 30 }),
  )
const contentType = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-8',
)

describe('fuzzing every XRPC method', () => {
  for (const nsid of SERVED_METHODS) {
    it(`${nsid}: only protocol errors or successes, and refusals change nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST'),
          body(),
          authorization(nsid),
          contentType,
          fc.dictionary(fieldNames, fc.string({ maxLength: 20 }), { maxKeys: 3 }),
          async (verb, payload, auth, type, query) => {
            const before = svc.store.recentEvents().length
            const qs = new URLSearchParams(query).toString()
            const res = await fetch(`${svc.url}/xrpc/${nsid}${qs ? `?${qs}` : ''}`, {
              method: verb,
              headers: {
                ...(auth !== undefined ? { authorization: auth } : {}),
                ...(verb === 'POST' ? { 'content-type': type } : {}),
              },
              ...(verb === 'POST' ? { body: payload } : {}),
            })
            const text = await res.text()
            expect(res.status, text).toBeLessThan(500)
            if (res.status >= 400) {
              expect(typeof (JSON.parse(text) as { error?: unknown }).error).toBe('string')
              expect(svc.store.recentEvents().length).toBe(before)
            }
          },
        ),
        { numRuns: 1000 },
      )
    }, 120_000)
  }
})

// Hostile input over HTTP on the PostgreSQL store (PGlite): NUL, lone surrogates, very long text, crafted cursors and
// malformed percent-escapes in every parameter of every method. 0 × 5xx; a refused call writes nothing.
describe('hostile input on the PostgreSQL store, every XRPC method', () => {
  const SCHEMA = 'fuzz'
  let pglite: PGlite
  let db: SqlDatabase
  let pgSvc: TestService
  let owner: TestUser
  const ownerTokens = new Map<string, string>()
  let pgConvo: string
  let pgCode: string
  beforeAll(async () => {
    pglite = new PGlite()
    db = fromPglite(pglite)
    await migrate(db, SCHEMA)
    pgSvc = await startTestService({ joinery: createJoinery({ store: createPostgresStore(db, { schema: SCHEMA }) }) })
    owner = await pgSvc.newUser()
    for (const nsid of SERVED_METHODS) ownerTokens.set(nsid, await owner.token(nsid))
    pgConvo = (
      (await owner.call('chat.bsky.group.createGroup', { name: 'Fuzzed', members: [] })) as { convo: { id: string } }
    ).convo.id
    pgCode = (
      (await owner.call('chat.bsky.group.createJoinLink', { convoId: pgConvo, joinRule: 'anyone' })) as {
        joinLink: { code: string }
      }
    ).joinLink.code
  }, 60_000)
  afterAll(async () => {
    await pgSvc?.close()
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
      '9007199254740991_a',
      '1_\u0000',
      '253402300800000_a',
      '1_a',
    ),
    fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', 'a', '1', '_'), maxLength: 12 }),
  )
  const hostileField = () =>
    fc.oneof(
      hostileText,
      fc.array(hostileText, { minLength: 1, maxLength: 2 }),
      fc.constant(pgConvo),
      fc.constant(pgCode),
    )
  /** Query strings keep lone surrogates out (URLSearchParams would turn them into U+FFFD); raw escapes go in too. */
  const rawQuery = fc.constantFrom(
    'codes=%00',
    'convoId=%00',
    'cursor=1_%00',
    'convoId=%E0%A4%A',
    'codes=%zz',
    'cursor=%',
    'convoId=%ED%A0%80',
  )
  const hostilePath = fc.constantFrom(
    '/xrpc/%zz',
    '/xrpc/%E0%A4%A',
    '/xrpc/chat.bsky.group.getJoinLinkPreviews%00',
    '/xrpc/%00',
  )

  for (const nsid of SERVED_METHODS) {
    it(`${nsid}: 0 × 5xx, and a refused call writes nothing`, async () => {
      const statuses: Record<number, number> = {}
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fieldNames, hostileField(), { minKeys: 1, maxKeys: 3 }),
          fc.option(rawQuery, { freq: 3 }),
          fc.option(hostilePath, { freq: 10 }),
          fc.boolean(),
          async (fields, raw, badPath, signed) => {
            const before = await tableDigest(db, SCHEMA)
            const isQuery = lexicons.getDefOrThrow(nsid).type === 'query'
            const qs = [
              ...(isQuery
                ? Object.entries(fields).flatMap(([k, v]) =>
                    (Array.isArray(v) ? v : [v]).map(
                      (x) => `${k}=${encodeURIComponent(String(x).replace(/[\uD800-\uDFFF]/g, ''))}`,
                    ),
                  )
                : []),
              ...(raw ? [raw] : []),
            ].join('&')
            const res = await fetch(`${pgSvc.url}${badPath ?? `/xrpc/${nsid}`}${qs ? `?${qs}` : ''}`, {
              method: isQuery ? 'GET' : 'POST',
              headers: {
                ...(signed ? { authorization: `Bearer ${ownerTokens.get(nsid)}` } : {}),
                ...(isQuery ? {} : { 'content-type': 'application/json' }),
              },
              ...(isQuery ? {} : { body: JSON.stringify(fields) }),
            })
            const text = await res.text()
            statuses[res.status] = (statuses[res.status] ?? 0) + 1
            expect(
              res.status,
              `${badPath ?? nsid} ${qs.slice(0, 200)} ${JSON.stringify(fields).slice(0, 200)} → ${text}`,
            ).toBeLessThan(500)
            if (res.status >= 400) expect(await tableDigest(db, SCHEMA), text).toBe(before)
          },
        ),
        { numRuns: 150 },
      )
      expect(statuses[400] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0)
    }, 120_000)
  }
})
