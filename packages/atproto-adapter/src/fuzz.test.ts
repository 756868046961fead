import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestService, type TestService, type TestUser } from './internal/test-service.js'
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
