import { createCryptoIdGenerator, type IdGenerator } from '@joinery/core'
import { schemaIdentifier } from './migrations.js'
import type { SqlExecutor } from './sql-database.js'

/**
 * Integer group ids from the database sequence `group_ids` ("1", "2", …): unique across every instance sharing the
 * database and across restarts, as Bitrix24 clients need. Request ids and link codes stay random.
 */
export function createDatabaseIdGenerator(db: SqlExecutor, options: { schema?: string } = {}): IdGenerator {
  const s = schemaIdentifier(options.schema ?? 'joinery')
  const random = createCryptoIdGenerator()
  return {
    newGroupId: async () =>
      (await db.query<{ id: string }>(`SELECT nextval('${s}.group_ids')::text AS id`)).rows[0]?.id ?? '',
    newId: random.newId,
    newCode: random.newCode,
  }
}
