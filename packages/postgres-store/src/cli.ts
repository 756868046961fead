#!/usr/bin/env node
// joinery-migrate: applies Joinery's migrations on their own, e.g. before rolling out new service instances.
//   DATABASE_URL=postgres://… joinery-migrate [--schema joinery]
//   joinery-migrate --data-dir ./data [--schema joinery]      (PGlite)
import { parseArgs } from 'node:util'
import { migrate } from './migrations.js'
import { fromPglite, fromPgPool, type SqlDatabase } from './sql-database.js'

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { schema: { type: 'string', default: 'joinery' }, 'data-dir': { type: 'string' } },
  })
  let db: SqlDatabase
  let close: () => Promise<void>
  if (values['data-dir']) {
    const { PGlite } = await import('@electric-sql/pglite')
    const pglite = new PGlite(values['data-dir'])
    db = fromPglite(pglite)
    close = () => pglite.close()
  } else if (process.env.DATABASE_URL) {
    const pg = await import('pg')
    const pool = new pg.default.Pool({ connectionString: process.env.DATABASE_URL, max: 1 })
    // Migrations may build indexes on big tables and wait for another instance's migration: no statement or lock bound.
    db = fromPgPool(pool, { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 0 })
    close = () => pool.end()
  } else {
    console.error('joinery-migrate: set DATABASE_URL, or pass --data-dir for PGlite')
    return 2
  }
  try {
    const applied = await migrate(db, values.schema)
    console.log(
      applied.length
        ? `applied migrations ${applied.join(', ')} to schema ${values.schema}`
        : `schema ${values.schema} is up to date`,
    )
    return 0
  } finally {
    await close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('joinery-migrate failed:', error instanceof Error ? error.message : error)
    process.exit(1)
  },
)
