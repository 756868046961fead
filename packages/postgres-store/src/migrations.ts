import type { SqlDatabase } from './sql-database.js'

/**
 * The schema, as versioned steps. Never edit a released step: add a new one. `{s}` is the schema name.
 * Every list has an index in the order it is read (keyset ties by id in "C" collation, as the port says); the seat counter lives on the group row, so a join costs the
 * same in a group of ten and of a million.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'groups, links, memberships, requests, removals, outbox',
    sql: `
CREATE TABLE {s}.groups (
  id text PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL,
  owner_id text NOT NULL,
  created_at timestamptz NOT NULL,
  member_limit integer,
  member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
  lock_status text NOT NULL,
  admission text NOT NULL,
  visibility text NOT NULL,
  approvers text NOT NULL,
  allow_multiple_links boolean NOT NULL
);
CREATE INDEX groups_visibility_id ON {s}.groups (visibility, id);

CREATE TABLE {s}.memberships (
  group_id text NOT NULL REFERENCES {s}.groups (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  role text NOT NULL,
  joined_at timestamptz NOT NULL,
  source_kind text NOT NULL,
  source_code text,
  source_request_id text,
  added_by text,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_by_group ON {s}.memberships (group_id, joined_at, user_id COLLATE "C");
CREATE INDEX memberships_by_user ON {s}.memberships (user_id, joined_at, group_id COLLATE "C");

CREATE TABLE {s}.join_links (
  code text PRIMARY KEY,
  group_id text NOT NULL REFERENCES {s}.groups (id) ON DELETE CASCADE,
  created_by text NOT NULL,
  join_rule text NOT NULL,
  require_approval boolean NOT NULL,
  enabled boolean NOT NULL,
  created_at timestamptz NOT NULL,
  name text,
  expires_at timestamptz,
  max_uses integer,
  uses integer NOT NULL,
  pending integer NOT NULL,
  refusals jsonb NOT NULL
);
CREATE INDEX join_links_by_group ON {s}.join_links (group_id, created_at DESC);

CREATE TABLE {s}.join_requests (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  id text PRIMARY KEY,
  group_id text NOT NULL REFERENCES {s}.groups (id) ON DELETE CASCADE,
  requester_id text NOT NULL,
  via_kind text NOT NULL,
  via_code text,
  invited_by text,
  message text,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  rejection_reason text,
  read boolean NOT NULL
);
CREATE UNIQUE INDEX join_requests_one_pending ON {s}.join_requests (group_id, requester_id) WHERE status = 'pending';
CREATE INDEX join_requests_by_status ON {s}.join_requests (group_id, status, created_at, id COLLATE "C");
CREATE INDEX join_requests_latest ON {s}.join_requests (group_id, requester_id, seq DESC);

CREATE TABLE {s}.removals (
  group_id text NOT NULL REFERENCES {s}.groups (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  kind text NOT NULL,
  removed_by text NOT NULL,
  removed_at timestamptz NOT NULL,
  until timestamptz,
  reason text,
  PRIMARY KEY (group_id, user_id)
);

CREATE TABLE {s}.outbox (
  id bigserial PRIMARY KEY,
  group_id text NOT NULL,
  type text NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON {s}.outbox (id) WHERE published_at IS NULL;
`,
  },
  {
    version: 2,
    name: 'a sequence for integer group ids',
    sql: `CREATE SEQUENCE {s}.group_ids AS bigint START 1;`,
  },
  {
    version: 3,
    name: "a group's invite policy and descriptive attributes",
    // Nullable, with no default: a row written by an instance that does not know the columns yet reads as "the
    // approvers invite" and "no attributes", which is what that instance means. So old and new instances can share
    // the database.
    sql: `ALTER TABLE {s}.groups ADD COLUMN inviters text CHECK (inviters IN ('owner', 'owner-and-moderators', 'members'));
ALTER TABLE {s}.groups ADD COLUMN attributes jsonb;`,
  },
  {
    version: 4,
    name: "an index for reading one group's events in order",
    sql: `CREATE INDEX outbox_by_group ON {s}.outbox (group_id, id);`,
  },
  {
    version: 5,
    name: 'outbox streams and deliveries for the relay',
    // One stream row per group with events: appendEvents bumps `seq`, a relay instance leases the row (claimed with
    // FOR UPDATE SKIP LOCKED), delivers the group's pending events in id order and sets `drained_seq` to the `seq` it
    // claimed. A stream is due while seq > drained_seq. `outbox_deliveries` keeps each subscriber's state of an
    // event not yet delivered to all (and dead letters). See @joinery/relay.
    sql: `
CREATE TABLE {s}.outbox_streams (
  group_id text PRIMARY KEY,
  seq bigint NOT NULL DEFAULT 1,
  drained_seq bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  retry_at timestamptz
);
CREATE INDEX outbox_streams_due ON {s}.outbox_streams (retry_at NULLS FIRST, lease_until NULLS FIRST) WHERE seq > drained_seq;
INSERT INTO {s}.outbox_streams (group_id) SELECT DISTINCT group_id FROM {s}.outbox WHERE published_at IS NULL;
CREATE INDEX outbox_pending_by_group ON {s}.outbox (group_id, id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON {s}.outbox (published_at) WHERE published_at IS NOT NULL;
CREATE TABLE {s}.outbox_deliveries (
  event_id bigint NOT NULL REFERENCES {s}.outbox (id) ON DELETE CASCADE,
  subscriber text NOT NULL,
  state text NOT NULL CHECK (state IN ('delivered', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, subscriber)
);
CREATE INDEX outbox_deliveries_by_subscriber ON {s}.outbox_deliveries (subscriber, state, event_id);
`,
  },
  {
    version: 6,
    name: 'rate-limit counters shared by every instance',
    // The row shape rate-limiter-flexible's PostgreSQL backend reads and writes (key, points, expire in epoch ms).
    sql: `
CREATE TABLE {s}.rate_limits (
  key text PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX rate_limits_expire ON {s}.rate_limits (expire);
`,
  },
  {
    version: 7,
    name: 'group update and activity times; Bitrix24 workgroup subjects',
    // Nullable, no default: NULL reads as the creation time, so instances without this step keep working (they
    // neither read nor write the columns) and rows written before it need no backfill. `bitrix_subjects` holds a
    // portal's workgroup subjects for @joinery/bitrix-adapter's PostgreSQL `BitrixSubjects` (shared by every
    // instance on the database); subject 1 "Workgroups" is there from the start, as on a new portal.
    sql: `
ALTER TABLE {s}.groups ADD COLUMN updated_at timestamptz, ADD COLUMN last_activity_at timestamptz;
CREATE TABLE {s}.bitrix_subjects (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  sort integer NOT NULL DEFAULT 100,
  site_ids text[] NOT NULL DEFAULT '{s1}'
);
INSERT INTO {s}.bitrix_subjects (id, name, sort, site_ids) VALUES (1, 'Workgroups', 100, '{s1}');
SELECT setval(pg_get_serial_sequence('{s}.bitrix_subjects', 'id'), 1);
`,
  },
  {
    version: 8,
    name: 'an index of groups by owner, for the groups-per-user cap',
    // createGroup counts the new owner's groups (caps.maxGroupsPerUser); without it that count reads every group.
    sql: `CREATE INDEX groups_by_owner ON {s}.groups (owner_id);`,
  },
  {
    version: 9,
    name: 'Bitrix24 event bindings and offline queue',
    // The Bitrix adapter's BitrixEventStore (createPostgresEventStore in @joinery/bitrix-adapter) keeps them here, so
    // every instance delivers to the same handlers and reads one queue. One unreserved row per application, connector
    // and message id: the queue holds an object's latest change (the partial unique index is the upsert's target).
    sql: `
CREATE TABLE {s}.bitrix_event_bindings (
  id bigserial PRIMARY KEY,
  client_id text NOT NULL,
  event text NOT NULL,
  handler text NOT NULL,
  user_id bigint NOT NULL,
  connector_id text NOT NULL,
  UNIQUE (client_id, event, handler, user_id, connector_id)
);
CREATE INDEX bitrix_event_bindings_by_event ON {s}.bitrix_event_bindings (event, id);
CREATE TABLE {s}.bitrix_offline_events (
  id bigserial PRIMARY KEY,
  client_id text NOT NULL,
  connector_id text NOT NULL,
  message_id text NOT NULL,
  event text NOT NULL,
  data jsonb NOT NULL,
  additional jsonb NOT NULL,
  at timestamptz NOT NULL,
  process_id text NOT NULL DEFAULT '',
  error boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX bitrix_offline_events_unreserved ON {s}.bitrix_offline_events (client_id, connector_id, message_id) WHERE process_id = '';
CREATE INDEX bitrix_offline_events_by_queue ON {s}.bitrix_offline_events (client_id, connector_id, id);
`,
  },
  {
    version: 10,
    name: "an index of a user's pending requests and invitations",
    // listPendingRequestsOfUser (a user's convo requests on atproto) reads them by requester, in (created_at, id) order.
    sql: `CREATE INDEX join_requests_pending_of_user ON {s}.join_requests (requester_id, created_at, id COLLATE "C") WHERE status = 'pending';`,
  },
  {
    version: 12,
    name: "indexes of the events naming a user, for the user's own log",
    // readUserEvents (getLog on atproto: a user's own leaves, removals, invitations and requests) reads the outbox by
    // the event's actor and by its subject, each in id order on its own index, and merges the two.
    sql: `CREATE INDEX outbox_by_actor ON {s}.outbox ((event->>'actor'), id);
CREATE INDEX outbox_by_subject ON {s}.outbox ((event->>'subject'), id) WHERE event->>'subject' IS NOT NULL;`,
  },
]

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** Quotes a schema name after checking it is a plain lower-case identifier. */
export function schemaIdentifier(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`schema name must match ${SCHEMA_NAME}: ${schema}`)
  return `"${schema}"`
}

/**
 * Applies the migrations not applied yet, each in its own transaction, under an advisory lock so that several
 * instances starting at once apply each step once. Safe to run on every start. Returns the versions applied now.
 */
export async function migrate(db: SqlDatabase, schema = 'joinery'): Promise<number[]> {
  const s = schemaIdentifier(schema)
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  )
  const applied: number[] = []
  for (const step of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`joinery-migrate-${schema}`])
      const seen = await tx.query(`SELECT 1 FROM ${s}.schema_migrations WHERE version = $1`, [step.version])
      if (seen.rows.length > 0) return false
      for (const statement of step.sql.replaceAll('{s}', s).split(';\n')) {
        if (statement.trim()) await tx.query(statement)
      }
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [step.version, step.name])
      return true
    })
    if (done) applied.push(step.version)
  }
  return applied
}
