import { type StorageFailure, storageError, storageUnavailable } from '@joinery/core'

/**
 * SQLSTATEs that mean "the database cannot answer now; retry later": the server is shutting down, restarting or
 * starting, has no connection slot left, or a statement, lock or idle-in-transaction timeout ended the work.
 */
export const UNAVAILABLE_SQLSTATES: Readonly<Record<string, string>> = {
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '53300': 'too_many_connections',
  '55P03': 'lock_not_available (lock_timeout)',
  '57014': 'query_canceled (statement_timeout)',
  '25P03': 'idle_in_transaction_session_timeout',
}

/** Node socket errors that mean the server is unreachable now. */
export const UNAVAILABLE_NODE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/**
 * node-postgres and pg-pool report a lost or timed-out connection as a plain Error without a code; these are their
 * messages (pg 8.x).
 */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout|Cannot use a pool after calling end)/

/** A client-side bound of this package ran out (see `fromPgPool`). */
export class DatabaseTimeout extends Error {
  override readonly name = 'DatabaseTimeout'
}

/** Whether a driver error means the database is unavailable now (see the README's classification table). */
export function isUnavailable(cause: unknown): boolean {
  if (cause instanceof DatabaseTimeout) return true
  if (typeof cause !== 'object' || cause === null) return false
  const code = (cause as { code?: unknown }).code
  if (typeof code === 'string') {
    if (Object.hasOwn(UNAVAILABLE_SQLSTATES, code) || UNAVAILABLE_NODE_CODES.has(code)) return true
    // Class 08, connection exceptions, but for 08P01 (protocol violation: a bug, not an outage).
    if (/^08[0-9A-Z]{3}$/.test(code) && code !== '08P01') return true
  }
  const message = (cause as { message?: unknown }).message
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true
  // AggregateError (a host with several addresses, all refused) and errors wrapping their cause.
  const errors = (cause as { errors?: unknown }).errors
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isUnavailable)) return true
  const inner = (cause as { cause?: unknown }).cause
  return inner !== undefined && inner !== cause && isUnavailable(inner)
}

/** A driver error as a store failure: `StorageUnavailable` when a retry later may succeed, `StorageError` otherwise. */
export function classifyFailure(message: string, cause: unknown): StorageFailure {
  if (isUnavailable(cause)) return storageUnavailable(message, cause)
  return storageError(isMissingSchema(cause) ? `${message}: ${MISSING_SCHEMA_HINT}` : message, cause)
}

/** What a failure on a database nobody migrated says, so the first 500 of a forgotten `migrate()` explains itself. */
export const MISSING_SCHEMA_HINT =
  "Joinery's tables or functions are missing from this database or schema: did you run migrate(db) (or joinery-migrate) first?"

/** 42P01 undefined_table, 3F000 invalid_schema_name, 42883 undefined_function (the functions of migrations 11 and 13). */
function isMissingSchema(cause: unknown): boolean {
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined
  return code === '42P01' || code === '3F000' || code === '42883'
}
