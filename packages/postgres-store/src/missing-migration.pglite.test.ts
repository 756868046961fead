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

  it('says so too when only the newest steps are missing (a join needs migrations 11 and 13)', async () => {
    const db = fromPglite(pglite)
    await migrate(db, 'behind')
    const joinery = createJoinery({ store: createPostgresStore(db, { schema: 'behind' }) })
    const group = (await joinery.createGroup({ actor: 'ada', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'ada', groupId: group.id }))._unsafeUnwrap()
    await pglite.exec('DROP FUNCTION behind.join_state; DROP FUNCTION behind.apply_writes')
    const refused = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ code: 'StorageError', message: expect.stringContaining(MISSING_SCHEMA_HINT) })
  })

  it('says so when only migration 13 is missing (the writes of a join)', async () => {
    const db = fromPglite(pglite)
    await migrate(db, 'behind13')
    const joinery = createJoinery({ store: createPostgresStore(db, { schema: 'behind13' }) })
    const group = (await joinery.createGroup({ actor: 'ada', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    const { code } = (await joinery.createJoinLink({ actor: 'ada', groupId: group.id }))._unsafeUnwrap()
    await pglite.exec('DROP FUNCTION behind13.write_member')
    const refused = (await joinery.requestJoinByCode({ actor: 'bob', code }))._unsafeUnwrapErr()
    expect(refused).toMatchObject({ code: 'StorageError', message: expect.stringContaining(MISSING_SCHEMA_HINT) })
  })
})
