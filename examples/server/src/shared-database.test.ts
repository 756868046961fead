import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { postgresBinaries, startThrowawayPostgres } from '@joinery/postgres-store/testing'
import { describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { startServer } from './server.js'

const available = Boolean(process.env.DATABASE_URL) || existsSync(join(postgresBinaries(), 'pg_ctl'))

describe.runIf(available)('several copies of the demo server on one PostgreSQL database', () => {
  it('share groups and ids: what one creates, the other serves', async () => {
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
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await pg.stop()
    }
  }, 120_000)
})
