import { gzipSync } from 'node:zlib'
import { type Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { createServer, createServiceJwt } from '@atproto/xrpc-server'
import { createInMemoryStore, createJoinery, type IdGenerator } from '@joinery/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveFetch } from './internal/serve-fetch.js'
import { SERVED_METHODS } from './lexicons/index.js'
import { type Listening, listen } from './node.js'
import { createJoineryXrpcServer, registerJoineryMethods } from './register.js'
import { createJoineryXrpcHandler } from './web.js'

// The proof that the dispatch answers as @atproto/xrpc-server: the same requests, raw, to three services in the same
// state — the xrpc-server registration (Express, xrpc-server's own routing and lexicon checks), the Node handler of
// createJoineryXrpcServer and the web entry's handler — must get the same status, error name and message.

const SERVICE_DID = 'did:web:parity.joinery.test'

/** Ids that are the same in every core, so that three cores fed the same calls hold the same state. */
function sameIds(): IdGenerator {
  let n = 0
  return {
    newGroupId: () => `convo${++n}`,
    newId: () => `id${++n}`,
    newCode: () => `code${String(++n).padStart(24, '0')}`,
  }
}

const options = () => ({
  joinery: createJoinery({ store: createInMemoryStore(), ids: sameIds() }),
  serviceDid: SERVICE_DID,
  allowDidKeyIssuers: true,
  unknownCodeLimit: { attempts: 1_000 },
})

const PATHS = ['xrpc-server', 'node', 'web'] as const
type Path = (typeof PATHS)[number]
const servers = {} as Record<Path, Listening>
let owner: Keypair
let stranger: Keypair

beforeAll(async () => {
  const host = createServer([], { validateResponse: true })
  registerJoineryMethods(host, options())
  servers['xrpc-server'] = await listen(host)
  servers.node = await listen(createJoineryXrpcServer(options()))
  servers.web = await serveFetch(
    createJoineryXrpcHandler({ ...options(), clientAddress: (_request, context) => context.clientAddress }),
  )
  owner = await Secp256k1Keypair.create()
  stranger = await Secp256k1Keypair.create()
  // The same state everywhere: a group of the owner's with an enabled link.
  for (const path of PATHS) {
    for (const [nsid, body] of [
      ['chat.bsky.group.createGroup', { name: 'Parity', members: [] }],
      ['chat.bsky.group.createJoinLink', { convoId: 'convo1', joinRule: 'anyone' }],
    ] as const) {
      const res = await send(path, { verb: 'POST', nsid, body: JSON.stringify(body), auth: 'owner' })
      expect(res.status, `${path} ${nsid} ${res.body}`).toBe(200)
    }
  }
})
afterAll(() => Promise.all(PATHS.map((path) => servers[path].close())))

interface RawCall {
  readonly verb: string
  readonly nsid: string
  readonly query?: string
  readonly body?: string
  readonly contentType?: string | null
  readonly auth?: 'owner' | 'stranger' | 'wrongMethod' | 'garbage' | 'none'
  readonly extraHeaders?: Record<string, string>
  /** Sent compressed (`gzip`), or labelled with an encoding no server reads (`br`). */
  readonly encoding?: 'gzip' | 'br'
}

async function send(path: Path, call: RawCall) {
  const keypair = call.auth === 'stranger' ? stranger : owner
  const lxm = call.auth === 'wrongMethod' ? 'chat.bsky.group.editGroup' : call.nsid
  const token = await createServiceJwt({ iss: keypair.did(), aud: SERVICE_DID, lxm, keypair })
  const authorization =
    call.auth === 'none' ? undefined : call.auth === 'garbage' ? 'Bearer not.a.token' : `Bearer ${token}`
  const withBody = call.body !== undefined && call.verb !== 'GET' && call.verb !== 'HEAD'
  const res = await fetch(`${servers[path].url}/xrpc/${call.nsid}${call.query ? `?${call.query}` : ''}`, {
    method: call.verb,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(withBody && call.contentType !== null ? { 'content-type': call.contentType ?? 'application/json' } : {}),
      ...(withBody && call.encoding ? { 'content-encoding': call.encoding } : {}),
      ...call.extraHeaders,
    },
    ...(withBody ? { body: call.encoding === 'gzip' ? gzipSync(call.body ?? '') : call.body } : {}),
  })
  const body = await res.text()
  let answer: { error?: string; message?: string } = {}
  try {
    answer = JSON.parse(body)
  } catch {
    // not JSON (HEAD, or a body that is no XRPC error)
  }
  return { status: res.status, body, error: answer.error, message: answer.message }
}

type Answer = { status: number; error: string | undefined; message: string | undefined }

/** The three answers, as status, error name and message (bodies of successes differ only in times). */
async function answers(call: RawCall) {
  const all = await Promise.all(PATHS.map((path) => send(path, call)))
  return all.map(({ status, error, message }) => ({ status, error, message }))
}

const expectSame = async (call: RawCall) => {
  const [reference, node, web] = (await answers(call)) as [Answer, Answer, Answer]
  expect(node, `node: ${JSON.stringify(call)}`).toEqual(reference)
  expect(web, `web: ${JSON.stringify(call)}`).toEqual(reference)
  return reference
}

describe('the dispatch answers as @atproto/xrpc-server', () => {
  const requestJoin = 'chat.bsky.group.requestJoin'
  const cases: [string, RawCall][] = [
    ['a valid call', { verb: 'POST', nsid: requestJoin, body: '{"code":"code000000000000000000000002"}' }],
    ['a missing field', { verb: 'POST', nsid: requestJoin, body: '{}' }],
    ['a wrong type', { verb: 'POST', nsid: requestJoin, body: '{"code":42}' }],
    ['malformed JSON', { verb: 'POST', nsid: requestJoin, body: '{"code": ' }],
    ['JSON that is no object', { verb: 'POST', nsid: requestJoin, body: '"code"' }],
    [
      'a form body',
      { verb: 'POST', nsid: requestJoin, body: 'code=abc', contentType: 'application/x-www-form-urlencoded' },
    ],
    ['no content type', { verb: 'POST', nsid: requestJoin, body: '{}', contentType: null }],
    ['a charset', { verb: 'POST', nsid: requestJoin, body: '{}', contentType: 'application/json; charset=latin1' }],
    ['an empty body', { verb: 'POST', nsid: requestJoin, body: '' }],
    ['a body over 100 kB', { verb: 'POST', nsid: requestJoin, body: JSON.stringify({ code: 'x'.repeat(110_000) }) }],
    ['an array body', { verb: 'POST', nsid: requestJoin, body: '[]' }],
    ['a gzip body', { verb: 'POST', nsid: requestJoin, body: '{"code":"nope"}', encoding: 'gzip' }],
    [
      'a gzip body over 100 kB inflated',
      { verb: 'POST', nsid: requestJoin, body: JSON.stringify({ code: ' '.repeat(200_000) }), encoding: 'gzip' },
    ],
    ['an unknown content encoding', { verb: 'POST', nsid: requestJoin, body: '{}', encoding: 'br' }],
    ['no body at all', { verb: 'POST', nsid: requestJoin }],
    ['GET on a procedure', { verb: 'GET', nsid: requestJoin }],
    ['PUT on a procedure', { verb: 'PUT', nsid: requestJoin, body: '{}' }],
    ['POST on a query', { verb: 'POST', nsid: 'chat.bsky.convo.getConvo', body: '{}' }],
    ['an unknown method', { verb: 'POST', nsid: 'chat.bsky.group.noSuchMethod', body: '{}' }],
    ['an invalid path', { verb: 'GET', nsid: 'a' }],
    ['a path with a bad segment', { verb: 'GET', nsid: 'chat..bsky' }],
    ['a trailing slash', { verb: 'GET', nsid: 'chat.bsky.convo.getConvo/', query: 'convoId=convo1' }],
    ['another case', { verb: 'GET', nsid: 'CHAT.bsky.convo.getConvo', query: 'convoId=convo1' }],
    ['a missing parameter', { verb: 'GET', nsid: 'chat.bsky.convo.getConvo' }],
    [
      'a limit out of range',
      { verb: 'GET', nsid: 'chat.bsky.group.listJoinRequests', query: 'convoId=convo1&limit=1000' },
    ],
    [
      'a limit that is no number',
      { verb: 'GET', nsid: 'chat.bsky.group.listJoinRequests', query: 'convoId=convo1&limit=x' },
    ],
    [
      'a repeated single parameter',
      { verb: 'GET', nsid: 'chat.bsky.convo.getConvo', query: 'convoId=convo1&convoId=x' },
    ],
    [
      'too many codes',
      { verb: 'GET', nsid: 'chat.bsky.group.getJoinLinkPreviews', query: Array(51).fill('codes=a').join('&') },
    ],
    [
      'an anonymous preview',
      { verb: 'GET', nsid: 'chat.bsky.group.getJoinLinkPreviews', query: 'codes=a', auth: 'none' },
    ],
    ['a bad escape', { verb: 'GET', nsid: 'chat.bsky.convo.getConvoMembers', query: 'convoId=%zz&cursor=%00' }],
    ['no token', { verb: 'POST', nsid: requestJoin, body: '{}', auth: 'none' }],
    ['a garbage token', { verb: 'POST', nsid: requestJoin, body: '{}', auth: 'garbage' }],
    ['a token for another method', { verb: 'POST', nsid: requestJoin, body: '{}', auth: 'wrongMethod' }],
    [
      'a refusal of the core',
      { verb: 'POST', nsid: 'chat.bsky.convo.lockConvo', body: '{"convoId":"convo1"}', auth: 'stranger' },
    ],
    [
      'a query with a body length',
      {
        verb: 'GET',
        nsid: 'chat.bsky.convo.getConvo',
        query: 'convoId=convo1',
        extraHeaders: { 'content-length': '0' },
      },
    ],
    ['HEAD on a query', { verb: 'HEAD', nsid: 'chat.bsky.convo.getConvo', query: 'convoId=convo1' }],
  ]
  for (const [name, call] of cases)
    it(`answers ${name} alike`, async () => {
      await expectSame(call)
    })

  it('answers random calls of every method alike', async () => {
    const names = fc.constantFrom(
      'convoId',
      'code',
      'codes',
      'member',
      'members',
      'name',
      'limit',
      'cursor',
      'status',
      'x',
    )
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('convo1', 'code000000000000000000000002', 'request', 'anyone'),
      fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
    )
    const seen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SERVED_METHODS, 'chat.bsky.group.nope', 'app.bsky.actor.getProfile'),
        fc.constantFrom('GET', 'POST', 'POST', 'DELETE'),
        fc.dictionary(names, value, { maxKeys: 3 }),
        fc.oneof(
          fc.dictionary(names, value, { maxKeys: 3 }).map((o) => JSON.stringify(o)),
          fc.string({ maxLength: 20 }),
        ),
        fc.constantFrom<RawCall['auth']>('owner', 'owner', 'stranger', 'none', 'garbage', 'wrongMethod'),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'json'),
        async (nsid, verb, query, body, auth, contentType) => {
          const search = new URLSearchParams(
            Object.entries(query).flatMap(([k, v]): [string, string][] =>
              Array.isArray(v) ? v.map((x) => [k, x]) : [[k, String(v)]],
            ),
          ).toString()
          const { status } = await expectSame({ verb, nsid, query: search, body, auth, contentType })
          seen.add(status)
        },
      ),
      { numRuns: 300 },
    )
    // The runs reached the core and its refusals, not only the early checks.
    expect([...seen].sort()).toEqual(expect.arrayContaining([200, 400, 401]))
  }, 120_000)
})
