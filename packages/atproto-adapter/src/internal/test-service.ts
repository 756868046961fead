import { randomUUID } from 'node:crypto'
import { type Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { Lexicons } from '@atproto/lexicon'
import { XrpcClient } from '@atproto/xrpc'
import { createServiceJwt } from '@atproto/xrpc-server'
import { createInMemorySocialGraph, createInMemoryStore, createJoinery, type InMemoryStore } from '@joinery/core'
import { LEXICONS } from '../lexicons/index.js'
import { listen } from '../node.js'
import { type AtprotoAdapterOptions, createJoineryXrpcServer } from '../register.js'
import { createJoineryXrpcHandler, type XrpcHandlerOptions, type XrpcRequestContext } from '../web.js'
import { serveFetch } from './serve-fetch.js'

export const SERVICE_DID = 'did:web:chat.joinery.test'
export const lexicons = new Lexicons(LEXICONS)

export interface TestUser {
  readonly did: string
  /** A fresh service JWT for `lxm`, as a user's PDS would mint it. */
  token(lxm: string, overrides?: { aud?: string; exp?: number; iss?: string; iat?: number }): Promise<string>
  /** Calls a method as this user with a fresh token; throws the client's XRPCError on an error answer. */
  call(nsid: string, body?: Record<string, unknown>, params?: Record<string, unknown>): Promise<unknown>
}

/**
 * Which shell the suites run on: the Node handler of `createJoineryXrpcServer` (default), or with
 * `JOINERY_XRPC_SHELL=web` the web entry's `createJoineryXrpcHandler` (pure-JS signatures, DID documents through
 * `fetch`) served through `Request`/`Response`, so that every suite can be run against either.
 */
export const SHELL: 'node' | 'web' = process.env.JOINERY_XRPC_SHELL === 'web' ? 'web' : 'node'

/** Starts the adapter over an in-memory core on a loopback port; call `close()` at the end. */
export async function startTestService(options: Partial<AtprotoAdapterOptions> & { port?: number } = {}) {
  const { port, ...adapterOptions } = options
  const store: InMemoryStore = createInMemoryStore()
  const graph = createInMemorySocialGraph()
  const joinery = createJoinery({ store, socialGraph: graph })
  const settings = { joinery, serviceDid: SERVICE_DID, allowDidKeyIssuers: true, ...adapterOptions }
  const listening =
    SHELL === 'web'
      ? await serveFetch(
          createJoineryXrpcHandler({
            clientAddress: (_request, context) => context.clientAddress,
            ...(settings as XrpcHandlerOptions<XrpcRequestContext>),
          }),
          port,
        )
      : await listen(createJoineryXrpcServer(settings), port === undefined ? {} : { port })
  const client = new XrpcClient({ service: listening.url }, LEXICONS)

  /** A did:key user: a fresh key, no account behind it (the service accepts them only with `allowDidKeyIssuers`). */
  async function newUser(): Promise<TestUser> {
    const keypair = await Secp256k1Keypair.create()
    return userOf({ did: keypair.did(), keypair })
  }

  /** A user signing as `did` with `keypair` (an account from `identity-hosts.ts`, or a did:key). */
  function userOf({ did, keypair }: { did: string; keypair: Keypair }): TestUser {
    const token: TestUser['token'] = (lxm, overrides = {}) =>
      overrides.iat === undefined
        ? createServiceJwt({
            iss: overrides.iss ?? did,
            aud: overrides.aud ?? SERVICE_DID,
            lxm,
            keypair,
            ...(overrides.exp ? { exp: overrides.exp } : {}),
          })
        : signedToken(keypair, {
            iss: overrides.iss ?? did,
            aud: overrides.aud ?? SERVICE_DID,
            lxm,
            iat: overrides.iat,
            exp: overrides.exp ?? overrides.iat + 60,
          })
    return {
      did,
      token,
      async call(nsid, body, params) {
        const headers = { authorization: `Bearer ${await token(nsid)}` }
        const isQuery = lexicons.getDefOrThrow(nsid).type === 'query'
        const res = await client.call(
          nsid,
          params ?? (isQuery ? body : undefined),
          isQuery ? undefined : (body ?? {}),
          { headers },
        )
        // Every answer must validate against the official lexicon.
        lexicons.assertValidXrpcOutput(nsid, res.data)
        return res.data
      },
    }
  }

  /** Six fresh users, to destructure as many as a test needs. */
  async function newUsers(): Promise<[TestUser, TestUser, TestUser, TestUser, TestUser, TestUser]> {
    return [await newUser(), await newUser(), await newUser(), await newUser(), await newUser(), await newUser()]
  }

  return {
    store,
    graph,
    joinery,
    url: listening.url,
    client,
    newUser,
    newUsers,
    userOf,
    close: () => listening.close(),
  }
}

export type TestService = Awaited<ReturnType<typeof startTestService>>

/** The XRPC error a client call was answered with. */
export async function xrpcErrorOf(call: Promise<unknown>): Promise<{ status: number; error: string; message: string }> {
  try {
    await call
  } catch (e) {
    const err = e as { status: number; error: string; message: string }
    return { status: err.status, error: err.error, message: err.message }
  }
  throw new Error('expected the call to fail')
}

/**
 * A service JWT with exactly these claims, signed by `keypair` (`createServiceJwt` always sets `iat` to now): for
 * tokens issued in the future or living long.
 */
export async function signedToken(keypair: Keypair, claims: Record<string, unknown>): Promise<string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const head = `${b64({ typ: 'JWT', alg: keypair.jwtAlg })}.${b64({ jti: randomUUID(), ...claims })}`
  const sig = Buffer.from(await keypair.sign(Buffer.from(head))).toString('base64url')
  return `${head}.${sig}`
}
