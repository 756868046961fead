// A separate Node process for the multi-instance test: its own pool, store and core, joining one group.
// Input (JSON in argv[2]): { url, schema, groupId, users }. Output: one JSON line with the counts of outcomes.
import { createJoinery } from '@joinery/core'
import pg from 'pg'
import { createPostgresStore } from '../postgres-store.js'
import { fromPgPool } from '../sql-database.js'

const input = JSON.parse(process.argv[2] ?? '{}') as { url: string; schema: string; groupId: string; users: string[] }
const pool = new pg.Pool({ connectionString: input.url, max: 8 })
pool.on('error', () => {})
const joinery = createJoinery({
  store: createPostgresStore(fromPgPool(pool, { connectTimeoutMs: 60_000 }), { schema: input.schema }),
})

const outcomes: Record<string, number> = {}
await Promise.all(
  input.users.map(async (actor) => {
    const r = await joinery.requestJoin({ actor, groupId: input.groupId })
    const key = r.isOk() ? `${r.value.status}${r.value.changed ? '' : '-unchanged'}` : r.error.code
    outcomes[key] = (outcomes[key] ?? 0) + 1
  }),
)
await pool.end()
process.stdout.write(`${JSON.stringify(outcomes)}\n`)
