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
    version: 11,
    name: "a join's lock and reads in one call, and a command's writes in one call",
    // Two functions, so that a join costs two round trips on a server (`BEGIN; SELECT join_state(…)`, then
    // `SELECT apply_writes(…); COMMIT`). join_state locks the group in its own statement first, so the reads after
    // it (new statements, new snapshots) see everything the lock's previous holders committed. apply_writes runs
    // the writes a command decided, in order, and raises (rolling the whole transaction back) when one does not do
    // what the store predicted: a seat that is not free, a row that is not there. Plans are cached per session.
    sql: `
CREATE FUNCTION {s}.join_state(p_code text, p_group text, p_user text, p_lock boolean) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v json;
BEGIN
  IF p_lock THEN
    PERFORM 1 FROM {s}.groups WHERE id = coalesce((SELECT group_id FROM {s}.join_links WHERE code = p_code), p_group) FOR UPDATE;
  END IF;
  WITH l AS (SELECT * FROM {s}.join_links WHERE code = p_code),
       g AS (SELECT * FROM {s}.groups WHERE id = coalesce((SELECT group_id FROM l), p_group)),
       r AS (SELECT * FROM {s}.join_requests WHERE group_id = (SELECT id FROM g) AND requester_id = p_user
               ORDER BY seq DESC LIMIT 1 FOR UPDATE)
  SELECT json_build_object(
    'link', (SELECT row_to_json(l) FROM l),
    'grp', (SELECT row_to_json(g) FROM g),
    'membership', (SELECT row_to_json(m) FROM {s}.memberships m WHERE m.group_id = (SELECT id FROM g) AND m.user_id = p_user),
    'request', (SELECT row_to_json(r) FROM r),
    'removal', (SELECT row_to_json(x) FROM {s}.removals x WHERE x.group_id = (SELECT id FROM g) AND x.user_id = p_user))
  INTO v;
  RETURN v;
END
$$;
CREATE FUNCTION {s}.apply_writes(p_ops jsonb, p_notify boolean, p_schema text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  op jsonb;
  p jsonb;
  v_woke boolean;
BEGIN
  FOR op IN SELECT value FROM jsonb_array_elements(p_ops) LOOP
    p := op->'p';
    CASE op->>'op'
    WHEN 'member' THEN
      INSERT INTO {s}.memberships (group_id, user_id, role, joined_at, source_kind, source_code, source_request_id, added_by)
      VALUES (p->>0, p->>1, p->>2, (p->>3)::timestamptz, p->>4, p->>5, p->>6, p->>7);
      UPDATE {s}.groups SET member_count = member_count + 1,
        updated_at = coalesce((op->'t'->>0)::timestamptz, updated_at),
        last_activity_at = coalesce((op->'t'->>1)::timestamptz, last_activity_at)
        WHERE id = p->>0 AND ((op->>'limit') IS NULL OR member_count < (op->>'limit')::integer);
      IF NOT FOUND THEN
        RAISE EXCEPTION 'joinery: no seat left in group %, against the prediction made under its lock', p->>0;
      END IF;
    WHEN 'times' THEN
      UPDATE {s}.groups SET updated_at = coalesce((p->>1)::timestamptz, updated_at),
        last_activity_at = coalesce((p->>2)::timestamptz, last_activity_at)
        WHERE id = p->>0;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'joinery: no groups row %', p->>0;
      END IF;
    WHEN 'link' THEN
      UPDATE {s}.join_links SET uses = uses + (p->>1)::integer, pending = greatest(0, pending + (p->>2)::integer),
        refusals = CASE WHEN p->>3 IS NULL THEN refusals
          ELSE jsonb_set(refusals, ARRAY[p->>3], to_jsonb(coalesce((refusals->>(p->>3))::integer, 0) + 1)) END
        WHERE code = p->>0;
    WHEN 'request' THEN
      INSERT INTO {s}.join_requests (id, group_id, requester_id, via_kind, via_code, invited_by, message, status, created_at, decided_at, decided_by, rejection_reason, read)
      VALUES (p->>0, p->>1, p->>2, p->>3, p->>4, p->>5, p->>6, p->>7, (p->>8)::timestamptz, (p->>9)::timestamptz, p->>10, p->>11, (p->>12)::boolean);
    WHEN 'request-update' THEN
      UPDATE {s}.join_requests SET group_id = p->>1, requester_id = p->>2, via_kind = p->>3, via_code = p->>4,
        invited_by = p->>5, message = p->>6, status = p->>7, created_at = (p->>8)::timestamptz,
        decided_at = (p->>9)::timestamptz, decided_by = p->>10, rejection_reason = p->>11, read = (p->>12)::boolean
        WHERE id = p->>0;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'joinery: request % does not exist', p->>0;
      END IF;
    WHEN 'events' THEN
      -- As appendEvents: the events, their groups' streams made due (in group order), a wake-up for an idle stream.
      WITH e AS (
        INSERT INTO {s}.outbox (group_id, type, event)
        SELECT x->>'groupId', x->>'type', x FROM jsonb_array_elements(p) AS x RETURNING group_id),
      st AS (
        INSERT INTO {s}.outbox_streams AS t (group_id) SELECT DISTINCT group_id FROM e ORDER BY group_id
        ON CONFLICT (group_id) DO UPDATE SET seq = t.seq + 1, retry_at = NULL
        RETURNING t.seq = t.drained_seq + 1 AS woke)
      SELECT coalesce(bool_or(st.woke), false) INTO v_woke FROM st;
      IF v_woke AND p_notify THEN
        PERFORM pg_notify('joinery_outbox', p_schema);
      END IF;
    ELSE
      RAISE EXCEPTION 'joinery: unknown write %', op->>'op';
    END CASE;
  END LOOP;
END
$$;
`,
  },
  {
    version: 12,
    name: "indexes of the events naming a user, for the user's own log",
    // readUserEvents (getLog on atproto: a user's own leaves, removals, invitations and requests) reads the outbox by
    // the event's actor and by its subject, each in id order on its own index, and merges the two.
    sql: `CREATE INDEX outbox_by_actor ON {s}.outbox ((event->>'actor'), id);
CREATE INDEX outbox_by_subject ON {s}.outbox ((event->>'subject'), id) WHERE event->>'subject' IS NOT NULL;`,
  },
  {
    version: 13,
    name: "a command's writes as one typed call each",
    // What apply_writes (migration 11) does, one function per kind of write, called with typed arguments
    // (`SELECT write_member(…); SELECT write_link(…); …` with the COMMIT): no jsonb to parse and take apart per value,
    // which cost more than the writes themselves on PGlite. Each raises, as apply_writes does, when its write does not
    // do what the store predicted. append_events writes one event (a join's) with two plain statements, its stream
    // updated first and inserted only when it has none yet; several go as in apply_writes.
    sql: `
CREATE FUNCTION {s}.write_member(p_group text, p_user text, p_role text, p_joined timestamptz, p_kind text,
  p_code text, p_request text, p_by text, p_limit integer, p_updated timestamptz, p_active timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {s}.memberships (group_id, user_id, role, joined_at, source_kind, source_code, source_request_id, added_by)
  VALUES (p_group, p_user, p_role, p_joined, p_kind, p_code, p_request, p_by);
  UPDATE {s}.groups SET member_count = member_count + 1,
    updated_at = coalesce(p_updated, updated_at), last_activity_at = coalesce(p_active, last_activity_at)
    WHERE id = p_group AND (p_limit IS NULL OR member_count < p_limit);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'joinery: no seat left in group %, against the prediction made under its lock', p_group;
  END IF;
END
$$;
CREATE FUNCTION {s}.write_times(p_group text, p_updated timestamptz, p_active timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {s}.groups SET updated_at = coalesce(p_updated, updated_at), last_activity_at = coalesce(p_active, last_activity_at)
    WHERE id = p_group;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'joinery: no groups row %', p_group;
  END IF;
END
$$;
CREATE FUNCTION {s}.write_link(p_code text, p_uses integer, p_pending integer, p_refusal text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {s}.join_links SET uses = uses + p_uses, pending = greatest(0, pending + p_pending),
    refusals = CASE WHEN p_refusal IS NULL THEN refusals
      ELSE jsonb_set(refusals, ARRAY[p_refusal], to_jsonb(coalesce((refusals->>p_refusal)::integer, 0) + 1)) END
    WHERE code = p_code;
END
$$;
CREATE FUNCTION {s}.write_request(p_id text, p_group text, p_requester text, p_via_kind text, p_via_code text,
  p_invited_by text, p_message text, p_status text, p_created timestamptz, p_decided timestamptz, p_decided_by text,
  p_reason text, p_read boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {s}.join_requests (id, group_id, requester_id, via_kind, via_code, invited_by, message, status, created_at, decided_at, decided_by, rejection_reason, read)
  VALUES (p_id, p_group, p_requester, p_via_kind, p_via_code, p_invited_by, p_message, p_status, p_created, p_decided, p_decided_by, p_reason, p_read);
END
$$;
CREATE FUNCTION {s}.write_request_update(p_id text, p_group text, p_requester text, p_via_kind text, p_via_code text,
  p_invited_by text, p_message text, p_status text, p_created timestamptz, p_decided timestamptz, p_decided_by text,
  p_reason text, p_read boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {s}.join_requests SET group_id = p_group, requester_id = p_requester, via_kind = p_via_kind,
    via_code = p_via_code, invited_by = p_invited_by, message = p_message, status = p_status, created_at = p_created,
    decided_at = p_decided, decided_by = p_decided_by, rejection_reason = p_reason, read = p_read
    WHERE id = p_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'joinery: request % does not exist', p_id;
  END IF;
END
$$;
CREATE FUNCTION {s}.append_events(p_events jsonb, p_notify boolean, p_schema text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_group text;
  v_woke boolean;
BEGIN
  IF jsonb_array_length(p_events) = 1 THEN
    v_group := p_events->0->>'groupId';
    INSERT INTO {s}.outbox (group_id, type, event) VALUES (v_group, p_events->0->>'type', p_events->0);
    UPDATE {s}.outbox_streams SET seq = seq + 1, retry_at = NULL WHERE group_id = v_group
      RETURNING seq = drained_seq + 1 INTO v_woke;
    IF NOT FOUND THEN
      INSERT INTO {s}.outbox_streams AS t (group_id) VALUES (v_group)
        ON CONFLICT (group_id) DO UPDATE SET seq = t.seq + 1, retry_at = NULL
        RETURNING t.seq = t.drained_seq + 1 INTO v_woke;
    END IF;
  ELSE
    -- As appendEvents: the events, their groups' streams made due (in group order), a wake-up for an idle stream.
    WITH e AS (
      INSERT INTO {s}.outbox (group_id, type, event)
      SELECT x->>'groupId', x->>'type', x FROM jsonb_array_elements(p_events) AS x RETURNING group_id),
    st AS (
      INSERT INTO {s}.outbox_streams AS t (group_id) SELECT DISTINCT group_id FROM e ORDER BY group_id
      ON CONFLICT (group_id) DO UPDATE SET seq = t.seq + 1, retry_at = NULL
      RETURNING t.seq = t.drained_seq + 1 AS woke)
    SELECT coalesce(bool_or(st.woke), false) INTO v_woke FROM st;
  END IF;
  IF v_woke AND p_notify THEN
    PERFORM pg_notify('joinery_outbox', p_schema);
  END IF;
END
$$;
`,
  },
]

/** A step's statements: split at `;` ending a line, but not inside a `$$`-quoted function body. */
function statementsOf(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  for (const [i, part] of sql.split('$$').entries()) {
    if (i % 2 === 1) {
      current += `$$${part}$$`
      continue
    }
    const pieces = part.split(';\n')
    current += pieces[0]
    for (const piece of pieces.slice(1)) {
      statements.push(current)
      current = piece
    }
  }
  statements.push(current)
  return statements.filter((statement) => statement.trim())
}

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
      for (const statement of statementsOf(step.sql.replaceAll('{s}', s))) {
        if (statement.trim()) await tx.query(statement)
      }
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [step.version, step.name])
      return true
    })
    if (done) applied.push(step.version)
  }
  return applied
}
