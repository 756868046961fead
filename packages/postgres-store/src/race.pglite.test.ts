import { PGlite } from '@electric-sql/pglite'
import { describeRaceConformance } from '@joinery/core/testing'
import { afterAll, beforeAll } from 'vitest'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPglite, type SqlDatabase } from './sql-database.js'

// PGlite runs one transaction at a time, so every trial must match a serial order: a divergence here is a flaw in
// the suite or in the SQL, not a race. The race suite proper runs on a PostgreSQL server (race.server.test.ts).
let pglite: PGlite
let db: SqlDatabase
const schema = 'race'
beforeAll(async () => {
  pglite = new PGlite()
  db = fromPglite(pglite)
  await migrate(db, schema)
}, 60_000)
afterAll(() => pglite.close())

describeRaceConformance('PostgreSQL store on PGlite', {
  instances: () => [createPostgresStore(db, { schema }), createPostgresStore(db, { schema })],
  trials: 30,
})
