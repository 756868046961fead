import { PGlite } from '@electric-sql/pglite'
import { createJoinery } from '@joinery/core'
import { afterAll, describe, expect, it } from 'vitest'
import { MISSING_SCHEMA_HINT } from './internal/classify-failure.js'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPglite } from './sql-database.js'

describe('a store on a database nobody migrated', () => {
  const pglite = new PGlite()
  afterAll(() => pglite.close())

  it('fails with a StorageError that says to run migrate(), and works once migrated', async () => {
    const db = fromPglite(pglite)
    const joinery = createJoinery({ store: createPostgresStore(db) })
    const refused = (await joinery.createGroup({ actor: 'ada', name: 'Climbers' }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ code: 'StorageError', message: expect.stringContaining(MISSING_SCHEMA_HINT) })

    await migrate(db)
    expect((await joinery.createGroup({ actor: 'ada', name: 'Climbers' })).isOk()).toBe(true)
  })

  it.each([
    ['migrations 11 and 13 (the lock and reads of a join)', 'behind', 'join_state; DROP FUNCTION {s}.apply_writes'],
    ['migration 13 (the writes of a join)', 'behind13', 'write_member'],
  ])('says so too when only the newest steps are missing: %s', async (_, schema, functions) => {
    const db = fromPglite(pglite)
    await migrate(db, schema)
    const joinery = createJoinery({ store: createPostgresStore(db, { schema }) })
    const group = (await joinery.createGroup({ actor: 'ada', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'ada', groupId: group.id }))._unsafeUnwrap()
    await pglite.exec(`DROP FUNCTION ${schema}.${functions.replaceAll('{s}', schema)}`)
    const refused = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ code: 'StorageError', message: expect.stringContaining(MISSING_SCHEMA_HINT) })
  })
})
