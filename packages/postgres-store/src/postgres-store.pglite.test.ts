import { PGlite } from '@electric-sql/pglite'
import { createJoinery } from '@joinery/core'
import { describeStoreConformance } from '@joinery/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabaseIdGenerator } from './id-generator.js'
import { MIGRATIONS, migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPglite, type SqlDatabase } from './sql-database.js'

// One PGlite for the file: a new in-memory database costs seconds (it runs initdb in WASM).
let pglite: PGlite
let db: SqlDatabase
beforeAll(async () => {
  pglite = new PGlite()
  db = fromPglite(pglite)
  await migrate(db, 'joinery')
}, 60_000)
afterAll(() => pglite.close())

describeStoreConformance('PostgreSQL store on PGlite', { create: () => createPostgresStore(db, { schema: 'joinery' }) })

describe(migrate, () => {
  it('applies every step once and is idempotent, in any schema', async () => {
    expect(await migrate(db, 'joinery')).toEqual([])
    expect(await migrate(db, 'other_schema')).toEqual(MIGRATIONS.map((m) => m.version))
    expect(await migrate(db, 'other_schema')).toEqual([])
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'other_schema' ORDER BY table_name",
    )
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'bitrix_event_bindings',
      'bitrix_offline_events',
      'bitrix_subjects',
      'groups',
      'join_links',
      'join_requests',
      'memberships',
      'outbox',
      'outbox_deliveries',
      'outbox_streams',
      'rate_limits',
      'removals',
      'schema_migrations',
    ])
  })

  it('step 7 adds the group times as nullable columns: an instance without them still writes groups, read as never changed', async () => {
    // The column list of an instance built before migration 7.
    await db.query(
      `INSERT INTO joinery.groups (id, name, description, owner_id, created_at, member_limit, member_count, lock_status, admission, visibility, approvers, allow_multiple_links)
       VALUES ('pre-7', 'Old', '', 'u', '2026-01-02T03:04:05Z', NULL, 0, 'unlocked', 'open', 'public', 'owner', false)`,
    )
    const store = createPostgresStore(db, { schema: 'joinery' })
    const group = (await store.transaction((tx) => tx.getGroup('pre-7')))._unsafeUnwrap()
    expect(group).toMatchObject({ id: 'pre-7', createdAt: new Date('2026-01-02T03:04:05Z') })
    expect(group).not.toHaveProperty('updatedAt')
    expect(group).not.toHaveProperty('lastActivityAt')
    await db.query(`DELETE FROM joinery.groups WHERE id = 'pre-7'`)
  })

  it('refuses schema names that are not plain identifiers', async () => {
    await expect(migrate(db, 'x; DROP TABLE y')).rejects.toThrow(RangeError)
  })
})

describe('the outbox', () => {
  it('holds the events of committed commands only, in order, until marked published', async () => {
    await migrate(db, 'outbox_test')
    const store = createPostgresStore(db, { schema: 'outbox_test' })
    const joinery = createJoinery({ store })
    const group = (
      await joinery.createGroup({ actor: 'owner', name: 'G', admission: 'open', memberLimit: 2 })
    )._unsafeUnwrap()
    await joinery.requestJoin({ actor: 'alice', groupId: group.id })
    // Refused: writes nothing, so no event.
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrapErr().code).toBe(
      'MemberLimitReached',
    )
    const pending = (await store.outbox.unpublished(10))._unsafeUnwrap()
    expect(pending.map((p) => [p.event.type, 'subject' in p.event ? p.event.subject : null])).toEqual([
      ['GroupCreated', null],
      ['MemberJoined', 'alice'],
    ])
    expect(pending[0]?.event.at).toBeInstanceOf(Date)
    ;(await store.outbox.markPublished(pending.map((p) => p.id)))._unsafeUnwrap()
    expect((await store.outbox.unpublished(10))._unsafeUnwrap()).toEqual([])
  })
})

describe('a Joinery on PGlite', () => {
  it('runs a whole flow through the core', async () => {
    await migrate(db, 'flow_test')
    const joinery = createJoinery({
      store: createPostgresStore(db, { schema: 'flow_test' }),
      ids: createDatabaseIdGenerator(db, { schema: 'flow_test' }),
    })
    const group = (await joinery.createGroup({ actor: '1', name: 'Club', memberLimit: 3 }))._unsafeUnwrap()
    expect(group.id).toBe('1')
    expect((await joinery.createGroup({ actor: '1', name: 'Second' }))._unsafeUnwrap().id).toBe('2')
    const link = (
      await joinery.createJoinLink({ actor: '1', groupId: group.id, requireApproval: true })
    )._unsafeUnwrap()
    expect(
      (await joinery.requestJoinByCode({ actor: '2', code: link.code, message: 'hi' }))._unsafeUnwrap().status,
    ).toBe('pending')
    expect(
      (await joinery.approveJoinRequest({ actor: '1', groupId: group.id, userId: '2' }))._unsafeUnwrap().group
        .memberCount,
    ).toBe(2)
    await joinery.removeMembers({ actor: '1', groupId: group.id, userIds: ['2'] })
    expect((await joinery.requestJoinByCode({ actor: '2', code: link.code }))._unsafeUnwrapErr().code).toBe(
      'UserKicked',
    )
    const preview = (await joinery.previewJoinLinks({ codes: [link.code] }))._unsafeUnwrap()[0]
    expect(preview).toMatchObject({
      kind: 'valid',
      link: { counters: { uses: 1, pending: 0, refusals: { UserKicked: 1 } } },
    })
  })
})

describe('convo requests on PostgreSQL', () => {
  it('creates a group with invitations, lists them per user and shows the hidden group to the invitee', async () => {
    await migrate(db, 'invite_test')
    const joinery = createJoinery({ store: createPostgresStore(db, { schema: 'invite_test' }) })
    const group = (
      await joinery.createGroup({
        actor: 'owner',
        name: 'H',
        visibility: 'hidden',
        admission: 'invite-only',
        invite: ['bob', 'bob', 'owner'],
      })
    )._unsafeUnwrap()
    const listed = (await joinery.listUserRequests({ actor: 'bob', limit: 10 }))._unsafeUnwrap()
    expect(listed.items.map((i) => [i.group.id, i.request.via.kind])).toEqual([[group.id, 'invitation']])
    const seen = (await joinery.getGroup({ viewer: 'bob', groupId: group.id, invited: true }))._unsafeUnwrap()
    expect(seen.viewerInvitation?.requesterId).toBe('bob')
    expect((await joinery.requestJoin({ actor: 'bob', groupId: group.id }))._unsafeUnwrap().status).toBe('joined')
    expect((await joinery.listUserRequests({ actor: 'bob', limit: 10 }))._unsafeUnwrap().items).toEqual([])
  })
})
