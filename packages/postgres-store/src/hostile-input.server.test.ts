import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { describeAcceptedEdges, describeHostileInput } from './internal/hostile-input.js'
import { fromPgPool, type SqlDatabase } from './sql-database.js'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './testing/throwaway-postgres.js'

// The hostile-input property on a PostgreSQL 15 server, through node-postgres: its own way of writing dates and
// text, which PGlite does not share. Skipped, saying so, where no server binaries are installed (as the other
// server tests).
const available = postgresServerAvailable('the hostile-input server tests')

describe.runIf(available)('on a PostgreSQL server', () => {
  let server: ThrowawayPostgres
  let pool: pg.Pool
  let db: SqlDatabase
  beforeAll(async () => {
    server = await startThrowawayPostgres()
    pool = new pg.Pool({ connectionString: server.url, max: 4 })
    pool.on('error', () => {})
    db = fromPgPool(pool)
  }, 120_000)
  afterAll(async () => {
    await pool?.end()
    await server?.stop()
  })

  describeHostileInput('PostgreSQL 15 server', { db: () => db, runs: 100 })
  describeAcceptedEdges('PostgreSQL 15 server', { db: () => db })
})
