import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { build, type Plugin } from 'esbuild'
import { describe, expect, it } from 'vitest'

const WEB_ENTRY = fileURLToPath(new URL('./web.ts', import.meta.url))
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

/** Records every import of a Node builtin (`node:crypto`, `cluster`, …) anywhere in the bundle, and refuses it. */
function refuseNodeBuiltins(found: string[]): Plugin {
  return {
    name: 'refuse-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!NODE_BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined
        found.push(`${args.path} (imported by ${args.importer})`)
        return { path: args.path, external: true }
      })
    },
  }
}

/**
 * Bundles `contents` (which may import the web entry and the core) for esbuild's `neutral` platform: no Node
 * resolution rules, no Node builtins; dependencies are bundled in too, so theirs count.
 */
async function bundle(contents: string, format: 'esm' | 'iife') {
  const found: string[] = []
  const result = await build({
    stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'neutral',
    format,
    globalName: format === 'iife' ? 'bundle' : undefined,
    mainFields: ['module', 'main'],
    conditions: ['dev-source', 'import', 'default'],
    target: 'es2022',
    logLevel: 'silent',
    plugins: [refuseNodeBuiltins(found)],
  })
  return { found, code: result.outputFiles[0]?.text ?? '' }
}

/** The globals of the web platform (WinterTC's minimum common API and what a Worker has), and nothing of Node. */
function webGlobals(): Record<string, unknown> {
  return {
    Request,
    Response,
    Headers,
    FormData,
    Blob,
    File,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    ReadableStream,
    WritableStream,
    TransformStream,
    AbortController,
    AbortSignal,
    Event,
    EventTarget,
    DOMException,
    crypto,
    atob,
    btoa,
    structuredClone,
    queueMicrotask,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    performance,
    console,
    fetch,
  }
}

describe('the web-standard entry (@joinery/bitrix-adapter/web)', () => {
  it('bundles for a neutral platform with no Node builtin imported, its dependencies included', async () => {
    const { found, code } = await bundle(`export * from ${JSON.stringify(WEB_ENTRY)}`, 'esm')
    expect(found).toEqual([])
    expect(code).toContain('createBitrixFetchHandler')
  })

  it('answers sonet_group.create and sonet_group.user.request in a context with only web globals', async () => {
    const { found, code } = await bundle(
      `export { createBitrixFetchHandler, createWebhookAuth } from ${JSON.stringify(WEB_ENTRY)}
       export { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'`,
      'iife',
    )
    expect(found).toEqual([])
    const context = createContext(webGlobals())
    runInContext(code, context)
    // Everything below runs inside the context: no process, Buffer, require or node: module there.
    expect(runInContext('[typeof process, typeof Buffer, typeof require, typeof globalThis.global]', context)).toEqual([
      'undefined',
      'undefined',
      'undefined',
      'undefined',
    ])
    const answers = (await runInContext(
      `(async () => {
        const { createBitrixFetchHandler, createWebhookAuth, createInMemoryStore, createJoinery,
          createSequentialIdGenerator } = bundle
        const joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() })
        const handler = createBitrixFetchHandler({
          joinery,
          auth: createWebhookAuth([{ userId: '1', code: 'one' }, { userId: '2', code: 'two' }]),
          clientAddress: () => '192.0.2.1',
        })
        const call = (user, code, method, params) => handler(new Request(
          'https://portal.test/rest/' + user + '/' + code + '/' + method + '.json',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) },
        )).then(async (r) => ({ status: r.status, body: await r.json() }))
        const created = await call(1, 'one', 'sonet_group.create', { NAME: 'Climbers', OPENED: 'N' })
        const requested = await call(2, 'two', 'sonet_group.user.request', { GROUP_ID: created.body.result, MESSAGE: 'hi' })
        const wrong = await call(2, 'nope', 'sonet_group.get', {})
        const pending = await call(1, 'one', 'sonet_group.user.request.list', { GROUP_ID: created.body.result })
        return { created, requested, wrong, pending }
      })()`,
      context,
    )) as Record<string, { status: number; body: Record<string, unknown> }>
    expect(answers.created).toMatchObject({ status: 200, body: { result: 1 } })
    expect(answers.requested).toMatchObject({ status: 200, body: { result: true } })
    expect(answers.wrong).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } })
    expect(answers.pending?.body.result).toMatchObject([{ USER_ID: '2', MESSAGE: 'hi' }])
  })
})
