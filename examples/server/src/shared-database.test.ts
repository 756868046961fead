import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { postgresServerAvailable, startThrowawayPostgres } from '@joinery/postgres-store/testing'
import { configFromEnv, startServer } from '@joinery/server'
import { describe, expect, it } from 'vitest'

const available = postgresServerAvailable('the shared-database tests')

describe.runIf(available)('several copies of the demo server on one PostgreSQL database', () => {
  it('share groups, ids and workgroup subjects: what one creates, the other serves', async () => {
    const pg = await startThrowawayPostgres()
    const config = { ...configFromEnv({}), port: 0, tlsPort: null, log: false, databaseUrl: pg.url }
    const [a, b] = [await startServer(config), await startServer(config)]
    try {
      const rest = (url: string, method: string) =>
        fetch(`${url}/rest/1/demo-hook-1/${method}`).then((r) => r.json() as Promise<{ result: unknown }>)
      const first = (await rest(a.httpUrl, 'sonet_group.create?NAME=From+A')).result
      const second = (await rest(b.httpUrl, 'sonet_group.create?NAME=From+B')).result
      expect(new Set([first, second]).size).toBe(2)
      const seenByA = (await rest(a.httpUrl, 'sonet_group.get?ORDER[ID]=ASC')).result as { NAME: string }[]
      expect(seenByA.map((g) => g.NAME)).toEqual(['From A', 'From B'])
      expect(await rest(b.httpUrl, `sonet_group.user.request?GROUP_ID=${first}`)).toMatchObject({ result: true })
      // Workgroup subjects live in the database too (migration 7): a subject added on one copy is listed by the other.
      expect(await rest(a.httpUrl, 'sonet_group_subject.add?NAME=Shared&SORT=10')).toMatchObject({
        result: { SUBJECT_ID: 2 },
      })
      expect((await rest(b.httpUrl, 'sonet_group_subject.get')).result).toEqual([
        { ID: '2', NAME: 'Shared', SITE_ID: ['s1'] },
        { ID: '1', NAME: 'Workgroups', SITE_ID: ['s1'] },
      ])
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await pg.stop()
    }
  }, 120_000)

  it('share one rate limit, one replay guard and one count of wrong codes: two copies do not double them', async () => {
    const pg = await startThrowawayPostgres()
    // Copies of one service share one SERVICE_DID (the default names each copy's own port).
    const config = {
      ...configFromEnv({ SERVICE_DID: 'did:web:localhost' }),
      port: 0,
      tlsPort: null,
      log: false,
      databaseUrl: pg.url,
    }
    const [a, b] = [await startServer(config), await startServer(config)]
    try {
      // The Bitrix24 bucket lets a user send 50 at once. 100 calls, alternating between the copies, within a second
      // or two: with a bucket per copy all 100 would pass; with one shared bucket, 50 and the steady 2/s.
      const started = Date.now()
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          fetch(`${(i % 2 ? a : b).httpUrl}/rest/2/demo-hook-2/sonet_group.user.groups`).then((r) => r.status),
        ),
      )
      const seconds = Math.ceil((Date.now() - started) / 1000)
      const passed = statuses.filter((s) => s === 200).length
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
      expect(passed).toBeGreaterThanOrEqual(50)
      expect(passed).toBeLessThanOrEqual(50 + 2 * (seconds + 1))

      // A service JWT used on one copy is refused by the other.
      const keypair = await Secp256k1Keypair.create()
      const nsid = 'chat.bsky.group.createGroup'
      const token = await createServiceJwt({ iss: keypair.did(), aud: 'did:web:localhost', lxm: nsid, keypair })
      const createGroup = (url: string) =>
        fetch(`${url}/xrpc/${nsid}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Once', members: [] }),
        })
      expect((await createGroup(a.httpUrl)).status).toBe(200)
      const replayed = await createGroup(b.httpUrl)
      expect(replayed.status).toBe(401)
      expect(await replayed.json()).toMatchObject({ error: 'JwtReplayed' })

      // Ten wrong webhook codes from one address are allowed in all, not ten per copy.
      const wrong = []
      for (let i = 0; i < 12; i++)
        wrong.push((await fetch(`${(i % 2 ? a : b).httpUrl}/rest/1/wrong-${i}/sonet_group.get`)).status)
      expect(wrong).toEqual([...Array(10).fill(401), 503, 503])
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await pg.stop()
    }
  }, 120_000)
})
