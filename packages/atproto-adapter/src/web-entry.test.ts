import { isBuiltin } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { Secp256k1Keypair } from '@atproto/crypto'
import { Lexicons } from '@atproto/lexicon'
import { createServiceJwt } from '@atproto/xrpc-server'
import { build, type Plugin } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'
import { LEXICONS } from './lexicons/index.js'

// The web entry must run where only the web platform is: no `node:` module, no Node builtin, no Node global.
// Checked in two steps: the entry and everything it reaches are bundled as a bundler for Workers or browsers resolves
// packages (esbuild's `browser` platform: the `worker` and `browser` export conditions and the `browser` field, which
// multiformats — under @atproto/crypto and @atproto/lexicon — needs to swap its `crypto` SHA-256 for WebCrypto's),
// and every import of a Node builtin is recorded; then the bundle runs the calls of a join in a `node:vm` context that
// holds only web globals. What this cannot prove: that another runtime's web APIs behave as Node's (used here).

const ENTRY = fileURLToPath(new URL('./web.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Web platform globals (WinterTC's minimum common API, and timers), taken from this Node for the context. */
const WEB_GLOBALS = [
  'URL',
  'URLSearchParams',
  'TextEncoder',
  'TextDecoder',
  'Request',
  'Response',
  'Headers',
  'fetch',
  'crypto',
  'ReadableStream',
  'WritableStream',
  'TransformStream',
  'CompressionStream',
  'DecompressionStream',
  'AbortController',
  'AbortSignal',
  'Event',
  'EventTarget',
  'DOMException',
  'Blob',
  'atob',
  'btoa',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'queueMicrotask',
  'structuredClone',
  'console',
  'performance',
] as const

/** Records every import of a Node builtin, and keeps it out of the bundle. */
function recordBuiltins(found: { path: string; importer: string }[]): Plugin {
  return {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined
        found.push({ path: args.path, importer: args.importer.replace(/^.*node_modules\//, '') })
        return { path: args.path, external: true }
      })
    },
  }
}

let bundle = ''
const builtins: { path: string; importer: string }[] = []

beforeAll(async () => {
  const result = await build({
    stdin: {
      contents: `export { createJoineryXrpcHandler } from ${JSON.stringify(ENTRY)}
export { createJoinery, createInMemoryStore } from '@joinery/core'`,
      resolveDir: PACKAGE_DIR,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'JoineryWeb',
    target: 'es2022',
    conditions: ['dev-source', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    write: false,
    logLevel: 'silent',
    plugins: [recordBuiltins(builtins)],
  })
  bundle = result.outputFiles[0]?.text ?? ''
}, 120_000)

describe('@joinery/atproto-adapter/web', () => {
  it('imports no Node builtin, directly or through its dependencies', () => {
    expect(bundle.length).toBeGreaterThan(0)
    expect(builtins).toEqual([])
  })

  it('runs a join through the bundle in a context with only web globals', async () => {
    const context = createContext(Object.fromEntries(WEB_GLOBALS.map((name) => [name, globalThis[name]])))
    runInContext(bundle, context)
    // Nothing of Node is there to lean on.
    expect(
      runInContext('[typeof process, typeof Buffer, typeof require, typeof global, typeof setImmediate]', context),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined'])
    const web = context.JoineryWeb
    const serviceDid = 'did:web:chat.example.com'
    const handler = web.createJoineryXrpcHandler({
      joinery: web.createJoinery({ store: web.createInMemoryStore() }),
      serviceDid,
      allowDidKeyIssuers: true,
      clientAddress: (request: Request) => request.headers.get('x-client-address'),
    }) as (request: Request) => Promise<Response>
    const lexicons = new Lexicons(LEXICONS)
    const [ada, bob] = [await Secp256k1Keypair.create(), await Secp256k1Keypair.create()]
    const call = async (keypair: Secp256k1Keypair, nsid: string, body: unknown, iss = keypair.did()) => {
      const token = await createServiceJwt({ iss, aud: serviceDid, lxm: nsid, keypair })
      const response = await handler(
        new Request(`https://chat.example.com/xrpc/${nsid}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
      const answer = (await response.json()) as {
        convo: { id: string }
        joinLink: { code: string }
        error?: string
      }
      if (response.status === 200) lexicons.assertValidXrpcOutput(nsid, answer)
      return { status: response.status, answer }
    }
    const made = await call(ada, 'chat.bsky.group.createGroup', { name: 'Climbers', members: [] })
    expect(made.status).toBe(200)
    const convoId = made.answer.convo.id
    const link = await call(ada, 'chat.bsky.group.createJoinLink', { convoId, joinRule: 'anyone' })
    expect(link.status).toBe(200)
    const joined = await call(bob, 'chat.bsky.group.requestJoin', { code: link.answer.joinLink.code })
    expect(joined).toMatchObject({ status: 200, answer: { status: 'joined', convo: { id: convoId } } })
    // A forged signature is refused by the bundle's pure-JS verifier.
    const forged = await call(ada, 'chat.bsky.group.createGroup', { name: 'x', members: [] }, bob.did())
    expect(forged).toMatchObject({ status: 401, answer: { error: 'BadJwtSignature' } })
    const didDocument = await handler(new Request('https://chat.example.com/.well-known/did.json'))
    expect(await didDocument.json()).toMatchObject({ id: serviceDid })
  }, 60_000)
})
