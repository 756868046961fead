import { createServer } from '@atproto/xrpc-server'
import { createInMemoryStore, createJoinery } from '@joinery/core'
import { describe, expect, it } from 'vitest'
import { checkAdapterOptions } from './adapter-options.js'
import { createJoineryXrpcServer, registerJoineryMethods } from './register.js'
import { createJoineryXrpcHandler } from './web.js'

const joinery = createJoinery({ store: createInMemoryStore() })
const good = { joinery, serviceDid: 'did:web:chat.example.com' }

// Every way in checks its options when it is made, so that a mistake is named at start-up, not by the first call.
const FACTORIES: [string, (options: unknown) => unknown][] = [
  ['createJoineryXrpcServer', (o) => createJoineryXrpcServer(o as Parameters<typeof createJoineryXrpcServer>[0])],
  [
    'createJoineryXrpcHandler',
    (o) =>
      createJoineryXrpcHandler(
        (typeof o === 'object' && o !== null ? { clientAddress: () => '192.0.2.1', ...o } : o) as Parameters<
          typeof createJoineryXrpcHandler
        >[0],
      ),
  ],
  [
    'registerJoineryMethods',
    (o) => registerJoineryMethods(createServer(), o as Parameters<typeof registerJoineryMethods>[1]),
  ],
]

describe.each(FACTORIES)('%s', (name, make) => {
  it('accepts good options, with every optional one set', () => {
    expect(() =>
      make({
        ...good,
        serviceId: 'bsky_chat',
        serviceEndpoint: 'https://chat.example.com',
        memberLimit: 50,
        convoMembers: 5,
        retryAfterSeconds: 0,
        unknownCodeLimit: { attempts: 3, windowMs: 1_000 },
        anonymousPreviewLimit: false,
        maxTokenLifetimeSeconds: 60,
        clockSkewSeconds: 0,
        signingKeyTtlMs: 1_000,
        signingKeyCacheSize: 1,
        replayGuard: false,
        addMembersAs: 'request',
        onError: () => {},
        onCall: () => {},
      }),
    ).not.toThrow()
  })

  const refusals: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    [
      'no joinery',
      { serviceDid: good.serviceDid },
      /options\.joinery must be a Joinery core \(createJoinery\(\{ store \}\)\), got undefined/,
    ],
    ['a joinery that is none', { ...good, joinery: {} }, /options\.joinery must be a Joinery core/],
    [
      'no serviceDid',
      { joinery },
      /options\.serviceDid must be this service's DID, e\.g\. "did:web:chat\.example\.com", got undefined/,
    ],
    [
      'a serviceDid that is no DID',
      { ...good, serviceDid: 'chat.example.com' },
      /options\.serviceDid .* got "chat\.example\.com"/,
    ],
    [
      'a serviceDid with a fragment',
      { ...good, serviceDid: 'did:web:chat.example.com#bsky_chat' },
      /options\.serviceDid/,
    ],
    ['a serviceId with #', { ...good, serviceId: '#bsky_chat' }, /options\.serviceId must be a service id without "#"/],
    ['a memberLimit of 0', { ...good, memberLimit: 0 }, /options\.memberLimit must be at least 1, got 0/],
    [
      'a fractional memberLimit',
      { ...good, memberLimit: 2.5 },
      /options\.memberLimit must be an integer of at least 1, got 2\.5/,
    ],
    [
      'a memberLimit as text',
      { ...good, memberLimit: '100' },
      /options\.memberLimit must be an integer of at least 1, got "100"/,
    ],
    [
      'unknown-code attempts of 0',
      { ...good, unknownCodeLimit: { attempts: 0 } },
      /options\.unknownCodeLimit\.attempts must be at least 1/,
    ],
    [
      'a negative window',
      { ...good, unknownCodeLimit: { windowMs: -1 } },
      /options\.unknownCodeLimit\.windowMs must be more than 0/,
    ],
    [
      'a preview limit that is a number',
      { ...good, anonymousPreviewLimit: 60 },
      /options\.anonymousPreviewLimit must be an object \(\{ calls, windowSeconds \}\)/,
    ],
    [
      'preview calls of NaN',
      { ...good, anonymousPreviewLimit: { calls: Number.NaN } },
      /options\.anonymousPreviewLimit\.calls must be an integer/,
    ],
    [
      'an infinite token lifetime',
      { ...good, maxTokenLifetimeSeconds: Number.POSITIVE_INFINITY },
      /options\.maxTokenLifetimeSeconds must be a number/,
    ],
    [
      'a negative clock skew',
      { ...good, clockSkewSeconds: -5 },
      /options\.clockSkewSeconds must be a number of at least 0/,
    ],
    ['a negative Retry-After', { ...good, retryAfterSeconds: -1 }, /options\.retryAfterSeconds must be at least 0/],
    [
      'an unknown addMembersAs',
      { ...good, addMembersAs: 'invite' },
      /options\.addMembersAs must be "member" or "request", got "invite"/,
    ],
    ['an onError that is no function', { ...good, onError: 'console' }, /options\.onError must be a function/],
    ['a replay guard without firstUse', { ...good, replayGuard: {} }, /options\.replayGuard must be a ReplayGuard/],
    [
      'an ftp endpoint',
      { ...good, serviceEndpoint: 'ftp://chat.example.com' },
      /options\.serviceEndpoint must be an http\(s\) origin without path, query or fragment, e\.g\. "https:\/\/chat\.example\.com", got "ftp:\/\/chat\.example\.com"/,
    ],
    [
      'an endpoint with a path',
      { ...good, serviceEndpoint: 'https://chat.example.com/xrpc' },
      /options\.serviceEndpoint must be an http\(s\) origin/,
    ],
    [
      'an endpoint that is no URL',
      { ...good, serviceEndpoint: 'chat.example.com' },
      /options\.serviceEndpoint must be an http\(s\) origin/,
    ],
  ]
  for (const [what, options, message] of refusals)
    it(`refuses ${what} at once, naming the option`, () => {
      expect(() => make(options)).toThrow(message)
      expect(() => make(options)).toThrow(new RegExp(`^${name}: `))
    })

  it('throws a RangeError for a number out of range and a TypeError for a wrong kind', () => {
    expect(() => make({ ...good, memberLimit: 0 })).toThrow(RangeError)
    expect(() => make({ ...good, memberLimit: '1' })).toThrow(TypeError)
    expect(() => make({ serviceDid: good.serviceDid })).toThrow(TypeError)
  })
})

describe(createJoineryXrpcHandler, () => {
  it('asks where the client address comes from, since a Request has no socket, unless previews are unlimited', () => {
    expect(() => createJoineryXrpcHandler(good)).toThrow(
      /^createJoineryXrpcHandler: options\.clientAddress is required, because a Request has no socket/,
    )
    expect(() => createJoineryXrpcHandler({ ...good, anonymousPreviewLimit: false })).not.toThrow()
    expect(() => createJoineryXrpcHandler({ ...good, clientAddress: () => '192.0.2.1' })).not.toThrow()
  })
})

describe(checkAdapterOptions, () => {
  it('accepts a did:plc service and a plain-http localhost endpoint', () => {
    expect(() => checkAdapterOptions('f', { joinery, serviceDid: 'did:plc:abcdefghijklmnopqrstuvwx' })).not.toThrow()
    expect(() =>
      checkAdapterOptions('f', {
        joinery,
        serviceDid: 'did:web:localhost%3A8080',
        serviceEndpoint: 'http://localhost:8080',
      }),
    ).not.toThrow()
  })
})
