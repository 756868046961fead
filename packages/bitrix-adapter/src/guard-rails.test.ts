import { createCryptoIdGenerator, createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookAuth } from './auth.js'
import { type BitrixAdapterOptions, createBitrixHandler } from './handler.js'
import { startTestPortal, type TestPortal } from './internal/test-portal.js'
import { type BitrixFetchHandlerOptions, createBitrixFetchHandler } from './web-handler.js'

const joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() })
const auth = createWebhookAuth([{ userId: '1', code: 'one' }])

/** Options a JavaScript caller (or an `as any`) could pass, and what each handler says about them at construction. */
const MISUSE: [string, unknown, RegExp][] = [
  ['no options', undefined, /options are required: \{ joinery, auth \}/],
  ['empty options', {}, /joinery is required: createJoinery\(\{ store, ids: createSequentialIdGenerator\(\) \}\)/],
  ['a joinery that is none', { joinery: { store: {} }, auth }, /joinery\.createGroup must be a function/],
  ['no auth', { joinery }, /auth is required: createWebhookAuth\(\[\{ userId, code \}\]\)/],
  ['an auth with neither resolver', { joinery, auth: {} }, /auth is required/],
  [
    'administrators as numbers',
    { joinery, auth, administrators: [1] },
    /administrators must be a list of user ids as strings/,
  ],
  [
    'a burst of 0',
    { joinery, auth, rateLimit: { burst: 0 } },
    /rateLimit\.burst must be a whole number from 1 \(got 0\)/,
  ],
  [
    'a negative rate',
    { joinery, auth, rateLimit: { perSecond: -2 } },
    /rateLimit\.perSecond must be a number above 0 \(got -2\)/,
  ],
  [
    'a rate of NaN',
    { joinery, auth, rateLimit: { perSecond: Number.NaN } },
    /rateLimit\.perSecond must be a number above 0/,
  ],
  ['rateLimit: true', { joinery, auth, rateLimit: true }, /rateLimit must be \{ burst, perSecond \} or false/],
  [
    'a fractional attempt count',
    { joinery, auth, credentialFailureLimit: { attempts: 1.5 } },
    /credentialFailureLimit\.attempts must be a whole number from 1 \(got 1\.5\)/,
  ],
  [
    'retryAfterSeconds of 0',
    { joinery, auth, retryAfterSeconds: 0 },
    /retryAfterSeconds must be a whole number from 1/,
  ],
  ['onCall that is no function', { joinery, auth, onCall: 'log' }, /onCall must be a function/],
  [
    'a basePath with a trailing slash',
    { joinery, auth, basePath: '/bitrix/' },
    /basePath must be a path such as '\/bitrix'/,
  ],
  ['events without a store', { joinery, auth, events: {} }, /events\.store is required/],
]

describe('options checked at construction', () => {
  it.each(MISUSE)('createBitrixHandler refuses %s, naming the option', (_name, options, message) => {
    expect(() => createBitrixHandler(options as BitrixAdapterOptions)).toThrow(message)
    expect(() => createBitrixHandler(options as BitrixAdapterOptions)).toThrow(/^createBitrixHandler: /)
  })

  it.each(MISUSE)('createBitrixFetchHandler refuses %s, naming the option', (_name, options, message) => {
    const withAddress = options && { ...(options as object), clientAddress: () => 'a' }
    expect(() => createBitrixFetchHandler(withAddress as BitrixFetchHandlerOptions)).toThrow(message)
  })

  it('asks the web handler for clientAddress, since a Request has no socket, unless the per-address limit is off', () => {
    expect(() => createBitrixFetchHandler({ joinery, auth })).toThrow(
      /createBitrixFetchHandler: clientAddress is required, because a Request has no socket/,
    )
    expect(() => createBitrixFetchHandler({ joinery, auth, credentialFailureLimit: false })).not.toThrow()
    expect(() => createBitrixFetchHandler({ joinery, auth, clientAddress: () => '192.0.2.1' })).not.toThrow()
  })

  it('refuses webhooks that could never be called: a user id that is not numeric, an empty code', () => {
    expect(() => createWebhookAuth([{ userId: 'alice', code: 'x' }])).toThrow(/userId must be a numeric user id/)
    expect(() => createWebhookAuth([{ userId: '1', code: '' }])).toThrow(
      /the code of user 1 must be a non-empty string/,
    )
    expect(() => createWebhookAuth('1:x' as never)).toThrow(/give a list of \{ userId, code \}/)
  })
})

describe('a core whose group ids are not integers', () => {
  let portal: TestPortal | null = null
  afterEach(() => portal?.close())

  it('is refused at construction when its generator promised text ids (the default, UUIDs)', () => {
    // The default generator makes UUIDs: fine for AT Protocol, no use to Bitrix24 clients.
    const uuids = createJoinery({ store: createInMemoryStore() })
    const auth = createWebhookAuth([{ userId: '1', code: 'code-1' }])
    for (const build of [createBitrixHandler, createBitrixFetchHandler])
      expect(() => build({ joinery: uuids, auth, clientAddress: () => '127.0.0.1' })).toThrow(
        /not integers.*createJoinery\(\{ store, ids: createSequentialIdGenerator\(\) \}\)/s,
      )
  })

  it('is refused at the first sonet_group.create with a 500 naming createSequentialIdGenerator() when its generator did not say', async () => {
    const reported: unknown[] = []
    const { groupIdForm: _, ...silentUuids } = createCryptoIdGenerator()
    const uuids = createJoinery({ store: createInMemoryStore(), ids: silentUuids })
    portal = await startTestPortal({ joinery: uuids, onError: (cause) => reported.push(cause) })
    const create = () => fetch(`${portal?.httpUrl}/rest/1/code-1/sonet_group.create?NAME=X`)
    const first = await create()
    expect(first.status).toBe(500)
    expect(await first.json()).toEqual({ error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' })
    expect(String(reported[0])).toMatch(
      /is no integer.*createJoinery\(\{ store, ids: createSequentialIdGenerator\(\) \}\)/s,
    )
    // Refused from then on before the core is asked: no more groups nobody could address.
    expect((await create()).status).toBe(500)
    expect(String(reported[1])).toMatch(/createSequentialIdGenerator\(\)/)
    const groups = (await uuids.listGroups({ viewer: '1' }))._unsafeUnwrap()
    expect(groups.total).toBe(1)
  })
})
