import type { BitrixSubjects, Subject } from './subjects.js'

/**
 * What the PostgreSQL subjects need of a database: parameterised queries answering `{ rows }`. `SqlDatabase` from
 * `@joinery/postgres-store` (PGlite or a server) is one; so is a `pg` client or pool.
 */
export interface SubjectsDatabase {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** A row of `bitrix_subjects` as a `Subject` (ids are bigserial, which a driver may send as text). */
function subjectOf(r: Record<string, unknown>): Subject {
  return { id: Number(r.id), name: String(r.name), sort: Number(r.sort), siteIds: [...(r.site_ids as string[])] }
}

/**
 * The portal's workgroup subjects in the `bitrix_subjects` table of a Joinery schema (created, with subject 1
 * "Workgroups", by `@joinery/postgres-store`'s `migrate`, step 7): every instance of a server on one database reads
 * and writes the same subjects. Each call is one statement; ids come from the table's sequence.
 */
export function createPostgresSubjects(db: SubjectsDatabase, options: { schema?: string } = {}): BitrixSubjects {
  const schema = options.schema ?? 'joinery'
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`schema name must match ${SCHEMA_NAME}: ${schema}`)
  const table = `"${schema}".bitrix_subjects`
  const columns = 'id, name, sort, site_ids'
  return {
    list: async (siteId) =>
      (await db.query(`SELECT ${columns} FROM ${table} WHERE $1 = ANY(site_ids) ORDER BY sort, id`, [siteId])).rows.map(
        subjectOf,
      ),
    get: async (id) => {
      const row = (await db.query(`SELECT ${columns} FROM ${table} WHERE id = $1`, [id])).rows[0]
      return row ? subjectOf(row) : null
    },
    add: async (subject) => {
      const { rows } = await db.query(
        `INSERT INTO ${table} (name, sort, site_ids) VALUES ($1, $2, $3::text[]) RETURNING ${columns}`,
        [subject.name, subject.sort, [...subject.siteIds]],
      )
      return subjectOf(rows[0] as Record<string, unknown>)
    },
    update: async (id, change) =>
      (
        await db.query(
          `UPDATE ${table} SET name = coalesce($2, name), sort = coalesce($3, sort), site_ids = coalesce($4::text[], site_ids)
           WHERE id = $1 RETURNING 1`,
          [id, change.name ?? null, change.sort ?? null, change.siteIds ? [...change.siteIds] : null],
        )
      ).rows.length === 1,
    remove: async (id) => (await db.query(`DELETE FROM ${table} WHERE id = $1 RETURNING 1`, [id])).rows.length === 1,
  }
}
