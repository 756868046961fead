import { Agent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { createInMemoryStore, createJoinery, type Joinery, type MembershipStore } from '@joinery/core'
import { type Listening, listen } from '../node.js'
import { type AtprotoAdapterOptions, createJoineryXrpcServer } from '../register.js'

export interface StandInChatServiceOptions extends Partial<Omit<AtprotoAdapterOptions, 'joinery'>> {
  /** The store under the service's core. Default: a fresh in-memory store. */
  readonly store?: MembershipStore
}

export interface StandInChatService {
  /** Where the service answers, `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The DID its tokens are minted for (the audience). */
  readonly serviceDid: string
  /**
   * The core under the service: seed state here (a member limit, groups made by users of another protocol, …).
   * `joinery.addMembers` makes members at once, with no convo request to accept, where `createGroup`/`addMembers`
   * over the wire ask the users named (`addMembersAs: 'request'`, the default) until each calls `acceptConvo`.
   */
  readonly joinery: Joinery
  /** The DID of the user called `name` in this service's tests (a `did:key`, made on first use). */
  did(name: string): Promise<string>
  /** An `@atproto/api` `Agent` acting as user `name`: each call carries a fresh service JWT for its method. */
  agent(name: string): Promise<Agent>
  close(): Promise<void>
}

/**
 * Starts a local stand-in for Bluesky's chat service (`chat.bsky.group.*` and the group convo methods) on 127.0.0.1,
 * over one Joinery core, for unit tests of code that calls it through `@atproto/api`. Users are named; each gets a
 * `did:key` of its own, and every call of their agent carries a service JWT minted for that call's method, as a
 * PDS's proxy would send. The stand-in accepts `did:key` issuers (`allowDidKeyIssuers`), which a real deployment
 * does not. Needs the optional peers `@atproto/api` and `@atproto/crypto`.
 * @example
 * const chat = await startStandInChatService()
 * const ada = await chat.agent('ada')
 * const { data } = await ada.chat.bsky.group.createGroup({ name: 'Climbers', members: [] })
 * await chat.close()
 */
export async function startStandInChatService(options: StandInChatServiceOptions = {}): Promise<StandInChatService> {
  const { store = createInMemoryStore(), serviceDid = 'did:web:chat.stand-in.test', ...adapterOptions } = options
  const joinery = createJoinery({ store })
  const server = createJoineryXrpcServer({ allowDidKeyIssuers: true, ...adapterOptions, joinery, serviceDid })
  const listening: Listening = await listen(server)
  const keypairs = new Map<string, Promise<Secp256k1Keypair>>()
  const keypairOf = (name: string) => {
    let keypair = keypairs.get(name)
    if (!keypair) {
      keypair = Secp256k1Keypair.create()
      keypairs.set(name, keypair)
    }
    return keypair
  }

  return {
    url: listening.url,
    serviceDid,
    joinery,
    did: async (name) => (await keypairOf(name)).did(),
    async agent(name) {
      const keypair = await keypairOf(name)
      const did = keypair.did()
      return new Agent({
        did,
        async fetchHandler(path, init) {
          const nsid = new URL(path, listening.url).pathname.replace(/^\/xrpc\//, '')
          const headers = new Headers(init.headers)
          headers.set(
            'authorization',
            `Bearer ${await createServiceJwt({ iss: did, aud: serviceDid, lxm: nsid, keypair })}`,
          )
          return fetch(new URL(path, listening.url), { ...init, headers })
        },
      })
    },
    close: () => listening.close(),
  }
}
