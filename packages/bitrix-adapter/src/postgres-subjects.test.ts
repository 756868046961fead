import { PGlite } from '@electric-sql/pglite'
import { fromPglite, fromPgPool, migrate, type SqlDatabase } from '@joinery/postgres-store'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '@joinery/postgres-store/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestPortal } from './internal/test-portal.js'
import { createPostgresSubjects } from './postgres-subjects.js'
import { type BitrixSubjects, createInMemorySubjects, DEFAULT_SUBJECT } from './subjects.js'

/**
 * The `BitrixSubjects` contract, the same for every implementation: a new portal has subject 1 "Workgroups" on site
 * s1 [module:CSocNetLogRestService::getGroupSubject lists a site's subjects by SORT]; ids are assigned in order.
 */
function subjectsContract(name: string, make: () => Promise<BitrixSubjects>) {
  describe(name, () => {
    it('starts with subject 1, adds with the next ids, lists a site by SORT then ID, updates and removes', async () => {
      const subjects = await make()
      expect(await subjects.list('s1')).toEqual([DEFAULT_SUBJECT])
      expect(await subjects.get(1)).toEqual(DEFAULT_SUBJECT)
      const climbing = await subjects.add({ name: 'Climbing', sort: 50, siteIds: ['s1', 'ex'] })
      const diving = await subjects.add({ name: 'Diving', sort: 100, siteIds: ['s1'] })
      expect([climbing.id, diving.id]).toEqual([2, 3])
      expect((await subjects.list('s1')).map((s) => s.name)).toEqual(['Climbing', 'Workgroups', 'Diving'])
      expect(await subjects.list('ex')).toEqual([{ id: 2, name: 'Climbing', sort: 50, siteIds: ['s1', 'ex'] }])
      expect(await subjects.list('nowhere')).toEqual([])
      expect(await subjects.update(3, { sort: 1 })).toBe(true)
      expect(await subjects.get(3)).toEqual({ id: 3, name: 'Diving', sort: 1, siteIds: ['s1'] })
      expect(await subjects.update(2, { name: 'Bouldering', siteIds: ['ex'] })).toBe(true)
      expect(await subjects.get(2)).toEqual({ id: 2, name: 'Bouldering', sort: 50, siteIds: ['ex'] })
      expect(await subjects.update(99, { name: 'x' })).toBe(false)
      expect(await subjects.remove(3)).toBe(true)
      expect(await subjects.remove(3)).toBe(false)
      expect(await subjects.get(3)).toBeNull()
      // An id is never given twice, even after a removal.
      expect((await subjects.add({ name: 'Sailing', sort: 100, siteIds: ['s1'] })).id).toBe(4)
    })
  })
}

subjectsContract('in memory', async () => createInMemorySubjects())

describe('on PostgreSQL (PGlite)', () => {
  let pglite: PGlite
  let db: SqlDatabase
  let schemas = 0
  beforeAll(async () => {
    pglite = new PGlite()
    db = fromPglite(pglite)
  })
  afterAll(() => pglite?.close())

  subjectsContract('the table of migration 7', async () => {
    const schema = `subjects_${schemas++}`
    await migrate(db, schema)
    return createPostgresSubjects(db, { schema })
  })

  it('is shared: two portals on one database answer the same subjects (sonet_group_subject.*)', async () => {
    const schema = `subjects_${schemas++}`
    await migrate(db, schema)
    const a = await startTestPortal({ rateLimit: false, subjects: createPostgresSubjects(db, { schema }) })
    const b = await startTestPortal({ rateLimit: false, subjects: createPostgresSubjects(db, { schema }) })
    try {
      const added = await a.call<{ SUBJECT_ID: number }>('1', 'sonet_group_subject.add', { NAME: 'Shared', SORT: 10 })
      expect(added).toEqual({ SUBJECT_ID: 2 })
      expect(await b.call('1', 'sonet_group_subject.get', {})).toEqual([
        { ID: '2', NAME: 'Shared', SITE_ID: ['s1'] },
        { ID: '1', NAME: 'Workgroups', SITE_ID: ['s1'] },
      ])
      expect(await b.call('1', 'sonet_group_subject.update', { SUBJECT_ID: 2, NAME: 'Renamed' })).toBe(2)
      expect(await b.call('1', 'sonet_group_subject.delete', { SUBJECT_ID: 1 })).toBe(true)
      expect(await a.call('1', 'sonet_group_subject.get', {})).toEqual([{ ID: '2', NAME: 'Renamed', SITE_ID: ['s1'] }])
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })

  it('refuses what the table cannot hold with ERROR_ARGUMENT, writing nothing', async () => {
    const schema = `subjects_${schemas++}`
    await migrate(db, schema)
    const portal = await startTestPortal({ rateLimit: false, subjects: createPostgresSubjects(db, { schema }) })
    try {
      for (const params of [
        { NAME: 'a\u0000b' },
        { NAME: '\uD800' },
        { NAME: 'x', SORT: 2 ** 31 },
        { NAME: 'x', SITE_ID: 's\u0000' },
      ]) {
        const res = await fetch(`${portal.httpUrl}/rest/1/code-1/sonet_group_subject.add`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
        })
        expect(res.status, JSON.stringify(params)).toBe(400)
        expect(((await res.json()) as { error: string }).error).toBe('ERROR_ARGUMENT')
      }
      expect(await portal.call('1', 'sonet_group_subject.get', { SITE_ID: 's\u0000' })).toEqual([])
      expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.bitrix_subjects`)).rows).toEqual([{ n: 1 }])
    } finally {
      await portal.close()
    }
  })
})

// Needs a PostgreSQL server, as the store's server tests do: CI sets JOINERY_REQUIRE_POSTGRES to fail, not skip.
const available = postgresServerAvailable('the subjects server tests')

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

  subjectsContract('the table of migration 7', async () => {
    const schema = `subjects_${process.pid}`
    await migrate(db, schema)
    return createPostgresSubjects(db, { schema })
  })
})
