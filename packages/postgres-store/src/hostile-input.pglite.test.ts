import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll } from 'vitest'
import { describeAcceptedEdges, describeHostileInput } from './internal/hostile-input.js'
import { fromPglite, type SqlDatabase } from './sql-database.js'

let pglite: PGlite
let db: SqlDatabase
beforeAll(async () => {
  pglite = new PGlite()
  db = fromPglite(pglite)
}, 60_000)
afterAll(() => pglite.close())

describeHostileInput('PGlite', { db: () => db, runs: 150 })
describeAcceptedEdges('PGlite', { db: () => db })
