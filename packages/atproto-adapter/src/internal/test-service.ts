import { Secp256k1Keypair } from '@atproto/crypto'
import { Lexicons } from '@atproto/lexicon'
import { XrpcClient } from '@atproto/xrpc'
import { createServiceJwt } from '@atproto/xrpc-server'
import { createInMemorySocialGraph, createInMemoryStore, createJoinery, type InMemoryStore } from '@joinery/core'
import { LEXICONS } from '../lexicons/index.js'
import { listen } from '../node.js'
import { type AtprotoAdapterOptions, createJoineryXrpcServer } from '../register.js'

export const SERVICE_DID = 'did:web:chat.joinery.test'
export const lexicons = new Lexicons(LEXICONS)

export interface TestUser {
  readonly did: string
  /** A fresh service JWT for `lxm`, as a user's PDS would mint it. */
  token(lxm: string, overrides?: { aud?: string; exp?: number; iss?: string }): Promise<string>
  /** Calls a method as this user with a fresh token; throws the client's XRPCError on an error answer. */
  call(nsid: string, body?: Record<string, unknown>, params?: Record<string, unknown>): Promise<unknown>
}

/** Starts the adapter over an in-memory core on a loopback port; call `close()` at the end. */
export async function startTestService(options: Partial<AtprotoAdapterOptions> = {}) {
  const store: InMemoryStore = createInMemoryStore()
  const graph = createInMemorySocialGraph()
  const joinery = createJoinery({ store, socialGraph: graph })
  const server = createJoineryXrpcServer({ joinery, serviceDid: SERVICE_DID, ...options })
  const listening = await listen(server)
  const client = new XrpcClient({ service: listening.url }, LEXICONS)

  async function newUser(): Promise<TestUser> {
    const keypair = await Secp256k1Keypair.create()
    const did = keypair.did()
    const token: TestUser['token'] = (lxm, overrides = {}) =>
      createServiceJwt({
        iss: overrides.iss ?? did,
        aud: overrides.aud ?? SERVICE_DID,
        lxm,
        keypair,
        ...(overrides.exp ? { exp: overrides.exp } : {}),
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

  return { store, graph, joinery, url: listening.url, client, newUser, newUsers, close: () => listening.close() }
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
