export { createDatabaseIdGenerator } from './id-generator.js'
export { MIGRATIONS, migrate } from './migrations.js'
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.js'
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
  type PgPoolLike,
  type PgTimeouts,
  type SqlDatabase,
  type SqlExecutor,
} from './sql-database.js'
