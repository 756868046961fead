export { createDatabaseIdGenerator } from './id-generator.js'
export { MIGRATIONS, migrate, schemaIdentifier } from './migrations.js'
export {
  createPostgresStore,
  OUTBOX_CHANNEL,
  type PostgresStore,
  type PostgresStoreOptions,
  reviveOutboxEvent,
} from './postgres-store.js'
export {
  createSharedRateLimiters,
  type RateLimiterFactory,
  type RateLimiterSpec,
  type SharedRateLimiterOptions,
} from './shared-rate-limiters.js'
export {
  DEFAULT_PG_TIMEOUTS,
  fromPglite,
  fromPgPool,
  type PgliteLike,
  type PgliteTransactionLike,
  type PgPoolLike,
  type PgTimeouts,
  type SqlDatabase,
  type SqlExecutor,
  type SqlTransaction,
  sqlLiteral,
} from './sql-database.js'
