// A consumer's first hour: a join on the in-memory core, on PGlite, and over each adapter's HTTP endpoint.
import { PGlite } from '@electric-sql/pglite'
import { createJoineryXrpcServer, listen as listenXrpc } from '@joinery/atproto-adapter'
import { createBitrixHandler, createWebhookAuth } from '@joinery/bitrix-adapter'
import { listen } from '@joinery/bitrix-adapter/node'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { createPostgresStore, fromPglite, migrate } from '@joinery/postgres-store'

function expect(condition, what) {
  if (!condition) throw new Error(`consumer check failed: ${what}`)
}

async function joinOnce(joinery, label, owner = 'ada') {
  const group = (await joinery.createGroup({ actor: owner, name: 'Climbing club', admission: 'open' }))._unsafeUnwrap()
  const link = (await joinery.createJoinLink({ actor: owner, groupId: group.id }))._unsafeUnwrap()
  const joined = (await joinery.requestJoinByCode({ actor: 'bob', code: link.code }))._unsafeUnwrap()
  expect(joined.status === 'joined', `${label}: bob joined`)
  console.log(`${label}: bob joined ${group.name}`)
  return { group, link }
}

await joinOnce(createJoinery({ store: createInMemoryStore() }), 'in-memory core')

const pglite = new PGlite()
const db = fromPglite(pglite)
await migrate(db)
await joinOnce(createJoinery({ store: createPostgresStore(db) }), 'PGlite store')
await pglite.close()

// Over HTTP: the Bitrix24 adapter answers sonet_group.get to a webhook user; the XRPC adapter answers an anonymous
// preview of a link.
const joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() })
// An atproto preview shows the owner's DID, so this group's owner has one.
const { link } = await joinOnce(joinery, 'shared core', 'did:plc:ewvi7nxzyoun6zhxrhs64oiz')
const rest = await listen(createBitrixHandler({ joinery, auth: createWebhookAuth([{ userId: '1', code: 'secret' }]) }))
const reply = await fetch(`${rest.url}/rest/1/secret/sonet_group.get.json`).then((r) => r.json())
expect(Array.isArray(reply.result), 'sonet_group.get answers a list')
console.log(`Bitrix24 adapter: sonet_group.get answered ${reply.result.length} group(s)`)
await rest.close()

const xrpc = await listenXrpc(createJoineryXrpcServer({ joinery, serviceDid: 'did:web:localhost' }))
const previews = await fetch(
  `${xrpc.url}/xrpc/chat.bsky.group.getJoinLinkPreviews?codes=${encodeURIComponent(link.code)}`,
).then((r) => r.json())
expect(
  previews.joinLinkPreviews?.[0]?.$type === 'chat.bsky.group.defs#joinLinkPreviewView',
  `a preview of the link, got ${JSON.stringify(previews)}`,
)
console.log(`AT Protocol adapter: getJoinLinkPreviews answered a preview of ${previews.joinLinkPreviews[0].name}`)
await xrpc.close()
