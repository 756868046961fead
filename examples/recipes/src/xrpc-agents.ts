import { Agent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'

/**
 * `@atproto/api` agents of test users against a chat service at `base` (with any mount path): each call carries a
 * service JWT minted for its method and the service's DID, as a PDS's proxy sends it (the same as the stand-in
 * service of `@joinery/atproto-adapter/testing`, which serves its own server rather than a framework's).
 */
export function agentsFor(base: string, serviceDid: string) {
  return async function agent(): Promise<{ agent: Agent; did: string }> {
    const keypair = await Secp256k1Keypair.create()
    const did = keypair.did()
    const agent = new Agent({
      did,
      async fetchHandler(path, init) {
        const url = new URL(`${base}${path}`)
        const nsid = url.pathname.slice(url.pathname.lastIndexOf('/xrpc/') + '/xrpc/'.length)
        const headers = new Headers(init.headers)
        headers.set(
          'authorization',
          `Bearer ${await createServiceJwt({ iss: did, aud: serviceDid, lxm: nsid, keypair })}`,
        )
        return fetch(url, { ...init, headers })
      },
    })
    return { agent, did }
  }
}

/** The conversation a recipe test holds with the service: a group, a link, a join by another user, and reads. */
export async function joinThroughRecipe(agent: ReturnType<typeof agentsFor>) {
  const ada = await agent()
  const bob = await agent()
  const created = await ada.agent.chat.bsky.group.createGroup({ name: 'Climbers', members: [] })
  const convoId = created.data.convo.id
  const link = await ada.agent.chat.bsky.group.createJoinLink({ convoId, joinRule: 'anyone' })
  const joined = await bob.agent.chat.bsky.group.requestJoin({ code: link.data.joinLink.code })
  const members = await ada.agent.chat.bsky.convo.getConvoMembers({ convoId })
  const seen = await bob.agent.chat.bsky.convo.getConvo({ convoId })
  return { ada, bob, convoId, joined: joined.data, members: members.data.members, seen: seen.data.convo }
}
