import type { SqlDatabase } from '../sql-database.js'

const TABLES = ['groups', 'memberships', 'join_links', 'join_requests', 'removals', 'outbox']

/**
 * A digest of every row of every Joinery table in `schema`: equal before and after a call when the call wrote
 * nothing. With `linkCounters: false` the links' refusal counters are left out (a refused join counts itself there).
 */
export async function tableDigest(db: SqlDatabase, schema: string, options: { linkCounters?: boolean } = {}) {
  const parts: string[] = []
  for (const table of TABLES) {
    const row = table === 'join_links' && options.linkCounters === false ? `to_jsonb(t) - 'refusals'` : 'to_jsonb(t)'
    const r = await db.query<{ d: string | null }>(
      `SELECT md5(string_agg((${row})::text, '|' ORDER BY (${row})::text)) AS d FROM "${schema}".${table} t`,
    )
    parts.push(`${table}:${r.rows[0]?.d ?? ''}`)
  }
  return parts.join(' ')
}
