import { PGlite } from '@electric-sql/pglite'
import { describeStoreConformance } from '@joinery/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS, migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPglite, type SqlDatabase } from './sql-database.js'

// One PGlite for the file: a new in-memory database costs seconds (it runs initdb in WASM).
let pglite: PGlite
let db: SqlDatabase
beforeAll(async () => {
  pglite = new PGlite()
  db = fromPglite(pglite)
  await migrate(db, 'joinery')
}, 60_000)
afterAll(() => pglite.close())

describeStoreConformance('PostgreSQL store on PGlite', { create: () => createPostgresStore(db, { schema: 'joinery' }) })

describe(migrate, () => {
  it('applies every step once and is idempotent, in any schema', async () => {
    expect(await migrate(db, 'joinery')).toEqual([])
    expect(await migrate(db, 'other_schema')).toEqual(MIGRATIONS.map((m) => m.version))
    expect(await migrate(db, 'other_schema')).toEqual([])
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'other_schema' ORDER BY table_name",
    )
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'groups',
      'join_links',
      'join_requests',
      'memberships',
      'outbox',
      'removals',
      'schema_migrations',
    ])
  })

  it('refuses schema names that are not plain identifiers', async () => {
    await expect(migrate(db, 'x; DROP TABLE y')).rejects.toThrow(RangeError)
  })
})
