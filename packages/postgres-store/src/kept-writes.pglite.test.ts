import { PGlite } from '@electric-sql/pglite'
import { createJoinery, type Membership } from '@joinery/core'
import { okAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPglite, type PgliteLike, type SqlDatabase, type SqlTransaction } from './sql-database.js'

let pglite: PGlite
let db: SqlDatabase
/** Through PGlite's wire protocol (`fromPglite` on a PGlite instance): every call into the database. */
let wire: SqlDatabase
/** Every call into PGlite inside a transaction: `exec` (no parameters) or `query`. */
const calls: string[] = []
/** Every call into PGlite through its wire protocol: the simple queries' text, `extended` for the others. */
const wireCalls: string[] = []
const decoder = new TextDecoder()
beforeAll(async () => {
  pglite = new PGlite()
  wire = fromPglite({
    query: (text, params) => pglite.query(text, params),
    transaction: (work) => pglite.transaction(work),
    execProtocolStream: (message, options) => {
      wireCalls.push(message[0] === 0x51 ? decoder.decode(message.subarray(5, -1)) : 'extended')
      return pglite.execProtocolStream(message, options)
    },
    runExclusive: (fn) => pglite.runExclusive(fn),
    _runExclusiveTransaction: (fn) => pglite._runExclusiveTransaction(fn),
    parsers: pglite.parsers,
    serializers: pglite.serializers,
  })
  const counted: PgliteLike = {
    query: (text, params) => pglite.query(text, params),
    transaction: (work) =>
      pglite.transaction((tx) => {
        calls.push('BEGIN')
        return work({
          query: (text, params) => {
            calls.push(`query ${text}`)
            return tx.query(text, params)
          },
          exec: (text) => {
            calls.push(`exec ${text}`)
            return tx.exec(text)
          },
        }).finally(() => calls.push('COMMIT or ROLLBACK'))
      }),
  }
  db = fromPglite(counted)
  await migrate(db, 'kept')
}, 60_000)
afterAll(() => pglite.close())

describe('the writes a command keeps until its COMMIT', () => {
  it('make a join four calls through PGlite transactions (a wrapper without its protocol methods): BEGIN, join_state, the writes, COMMIT', async () => {
    const joinery = createJoinery({ store: createPostgresStore(db, { schema: 'kept' }) })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Kept', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    calls.length = 0
    expect((await joinery.requestJoinByCode({ actor: 'ada', code }))._unsafeUnwrap().changed).toBe(true)
    expect(calls.map((c) => c.replace(/\(.*$/s, ''))).toEqual([
      'BEGIN',
      'exec SELECT "kept".join_state',
      'exec SELECT "kept".write_member',
      'COMMIT or ROLLBACK',
    ])
  })

  it("make a join two calls through PGlite's wire protocol: BEGIN with join_state, the writes with COMMIT", async () => {
    const joinery = createJoinery({ store: createPostgresStore(wire, { schema: 'kept' }) })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Wire', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    wireCalls.length = 0
    expect((await joinery.requestJoinByCode({ actor: 'ada', code }))._unsafeUnwrap().changed).toBe(true)
    expect(wireCalls.map((c) => c.replace(/\((?:[^()']|'(?:[^']|'')*')*\)/g, '').replace(/ AS state$/, ''))).toEqual([
      'BEGIN;\nSELECT "kept".join_state',
      'SELECT "kept".write_member, "kept".write_link, "kept".append_events;\nCOMMIT',
    ])
    const members = await pglite.query('SELECT user_id FROM kept.memberships WHERE group_id = $1 ORDER BY joined_at', [
      group.id,
    ])
    expect(members.rows).toEqual([{ user_id: 'owner' }, { user_id: 'ada' }])
  })

  it("refuses a statement sent after its transaction through PGlite's wire protocol ended", async () => {
    let late: SqlTransaction | undefined
    await wire.transaction(async (tx) => {
      late = tx
      await tx.query('SELECT 1')
    })
    await expect(late?.query('SELECT 1')).rejects.toThrow('the transaction is over')
  })

  it.each([
    ['PGlite transactions', () => db],
    ["PGlite's wire protocol", () => wire],
  ])(
    'are all undone when one of them fails, through %s: nothing of the command is half-written',
    async (_, database) => {
      const store = createPostgresStore(database(), { schema: 'kept' })
      const joinery = createJoinery({ store })
      const group = (await joinery.createGroup({ actor: 'owner', name: 'Undone', admission: 'open' }))._unsafeUnwrap()
      const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
      const before = await pglite.query<{ n: number }>('SELECT count(*)::integer AS n FROM kept.outbox')
      const now = new Date()
      const membership: Membership = {
        groupId: group.id,
        userId: 'eve',
        role: 'member',
        joinedAt: now,
        source: { kind: 'link', code },
        addedBy: null,
      }
      const result = await store.transaction((tx) =>
        tx
          .readJoinState({ code }, 'eve', { lock: true })
          .andThen(() => tx.insertMembership(membership, null))
          .andThen((outcome) => {
            expect(outcome).toBe('inserted')
            return tx.countOnLink(code, { uses: 1 })
          })
          .andThen(() => tx.updateGroup(group.id, { lastActivityAt: now }))
          .andThen(() =>
            tx.appendEvents([
              { type: 'MemberJoined', groupId: group.id, actor: 'eve', at: now, subject: 'eve', code, requestId: null },
            ]),
          )
          // Kept too (the group is held), and it names a request that does not exist: write_request_update raises.
          .andThen(() =>
            tx.updateRequest({
              id: 'no-such-request',
              groupId: group.id,
              requesterId: 'eve',
              via: { kind: 'direct' },
              message: null,
              status: 'approved',
              createdAt: now,
              decidedAt: now,
              decidedBy: 'owner',
              rejectionReason: null,
              read: true,
            }),
          )
          .andThen(() => okAsync('done')),
      )
      expect(result._unsafeUnwrapErr()).toMatchObject({
        code: 'StorageError',
        message: expect.stringContaining('failed'),
      })
      const row = await pglite.query('SELECT member_count, last_activity_at FROM kept.groups WHERE id = $1', [group.id])
      expect(row.rows).toEqual([{ member_count: 1, last_activity_at: null }])
      const link = await pglite.query('SELECT uses FROM kept.join_links WHERE code = $1', [code])
      expect(link.rows).toEqual([{ uses: 0 }])
      expect((await pglite.query('SELECT 1 FROM kept.memberships WHERE user_id = $1', ['eve'])).rows).toEqual([])
      expect((await pglite.query<{ n: number }>('SELECT count(*)::integer AS n FROM kept.outbox')).rows).toEqual(
        before.rows,
      )
    },
  )
})
