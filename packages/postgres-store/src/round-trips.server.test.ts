import { createJoinery } from '@joinery/core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPgPool, type PgPoolLike } from './sql-database.js'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './testing/throwaway-postgres.js'

const available = postgresServerAvailable('the PostgreSQL round-trip tests')

describe.runIf(available)('round trips on a PostgreSQL server', () => {
  let server: ThrowawayPostgres
  let pool: pg.Pool
  /** Every text sent to the server, one entry per round trip. */
  const sent: string[] = []
  beforeAll(async () => {
    server = await startThrowawayPostgres()
    pool = new pg.Pool({ connectionString: server.url, max: 4 })
    pool.on('error', () => {})
  }, 120_000)
  afterAll(async () => {
    await pool?.end()
    await server?.stop()
  })

  /** The pool, with every statement written down (the wrappers are kept per connection, as pg keeps clients). */
  function counted(): PgPoolLike {
    const wrappers = new WeakMap<object, Awaited<ReturnType<PgPoolLike['connect']>>>()
    return {
      connect: async () => {
        const client = await pool.connect()
        let wrapper = wrappers.get(client)
        if (!wrapper) {
          wrapper = {
            query: (text: string, params?: unknown[]) => {
              sent.push(text)
              return client.query(text, params) as never
            },
            release: (error?: Error | boolean) => client.release(error),
            on: (event: 'error', listener: (error: Error) => void) => client.on(event, listener),
          }
          wrappers.set(client, wrapper)
        }
        return wrapper
      },
    }
  }

  async function setup(schema: string, admission: 'open' | 'approval') {
    const db = fromPgPool(counted())
    await migrate(db, schema)
    const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Trips', admission }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    // Every connection has had its session settings by now.
    await Promise.all(Array.from({ length: 4 }, () => joinery.getGroup({ viewer: 'owner', groupId: group.id })))
    sent.length = 0
    return { joinery, group, code }
  }

  it('joins by code in two round trips: BEGIN with the lock and the reads, then the writes with COMMIT', async () => {
    const { joinery, code } = await setup('trips_join', 'open')
    const joined = (await joinery.requestJoinByCode({ actor: 'ada', code }))._unsafeUnwrap()
    expect(joined).toMatchObject({ status: 'joined', changed: true, group: { memberCount: 2 } })
    expect(sent).toHaveLength(2)
    expect(sent[0]).toMatch(/^BEGIN;\n\s*SELECT "trips_join"\.join_state\(/)
    // The membership, the seat and the group's times, the link's counter and the event, all in that last one.
    expect(sent[1]).toMatch(
      /^SELECT "trips_join"\.write_member\(.*, NULL, NULL, '[0-9T:.Z-]+'\), "trips_join"\.write_link\(.*\), "trips_join"\.append_events\(.*;\nCOMMIT$/s,
    )
  })

  it('approves with every write in the round trip of the COMMIT, and the lock in the round trip of the BEGIN', async () => {
    const { joinery, group, code } = await setup('trips_approve', 'approval')
    expect((await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrap().status).toBe('pending')
    sent.length = 0
    const approved = await joinery.approveJoinRequest({ actor: 'owner', groupId: group.id, userId: 'bob' })
    expect(approved._unsafeUnwrap()).toMatchObject({ changed: true, membership: { userId: 'bob' } })
    expect(sent[0]).toMatch(/^BEGIN;\n\s*SELECT .* FOR UPDATE$/s)
    expect(sent.at(-1)).toMatch(/^SELECT "trips_approve"\.write_member\(.*;\nCOMMIT$/s)
    expect(
      sent.slice(0, -1).filter((text) => /\b(INSERT|UPDATE|DELETE)\b/.test(text.replace(/FOR UPDATE/g, ''))),
    ).toEqual([])
    // The reads between them: the approver's and the user's memberships, the latest request, the removal.
    expect(sent).toHaveLength(6)
  })
})
