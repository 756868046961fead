import { createCryptoIdGenerator, type IdGenerator, storageUnavailable } from '@joinery/core'
import { isUnavailable } from './internal/classify-failure.js'
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
    newGroupId: async () => {
      try {
        return (await db.query<{ id: string }>(`SELECT nextval('${s}.group_ids')::text AS id`)).rows[0]?.id ?? ''
      } catch (cause) {
        // The id port's way to say "unavailable": reject with the core's StorageUnavailable (see IdGenerator).
        throw isUnavailable(cause) ? storageUnavailable('could not make a new group id', cause) : cause
      }
    },
    newId: random.newId,
    newCode: random.newCode,
    groupIdForm: 'integer',
  }
}
