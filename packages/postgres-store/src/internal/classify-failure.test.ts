import { describe, expect, it } from 'vitest'
import { classifyFailure, DatabaseTimeout, MISSING_SCHEMA_HINT } from './classify-failure.js'

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe(classifyFailure, () => {
  it.each([
    ['57P01 admin_shutdown', withCode('57P01')],
    ['57P02 crash_shutdown', withCode('57P02')],
    ['57P03 cannot_connect_now', withCode('57P03')],
    ['53300 too_many_connections', withCode('53300')],
    ['55P03 lock_not_available', withCode('55P03')],
    ['57014 query_canceled', withCode('57014')],
    ['25P03 idle_in_transaction_session_timeout', withCode('25P03')],
    ['08006 connection_failure', withCode('08006')],
    ['08001 sqlclient_unable_to_establish_sqlconnection', withCode('08001')],
    ['ECONNREFUSED', withCode('ECONNREFUSED')],
    ['ECONNRESET', withCode('ECONNRESET')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['EPIPE', withCode('EPIPE')],
    ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['pg-pool: timeout exceeded when trying to connect', new Error('timeout exceeded when trying to connect')],
    ['pg-pool: connection timeout', new Error('Connection terminated due to connection timeout')],
    ['pg: not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['pg: query_timeout', new Error('Query read timeout')],
    ['a bound of fromPgPool', new DatabaseTimeout('a statement: no answer')],
    ['every address refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
  ])('answers StorageUnavailable for %s', (_, cause) => {
    expect(classifyFailure('failed', cause)).toEqual({ code: 'StorageUnavailable', message: 'failed', cause })
  })

  it.each([
    ['23505 unique_violation', withCode('23505')],
    ['08P01 protocol_violation', withCode('08P01')],
    ['40P01 deadlock_detected', withCode('40P01')],
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
  ])('answers StorageError for %s', (_, cause) => {
    expect(classifyFailure('failed', cause)).toEqual({ code: 'StorageError', message: 'failed', cause })
  })

  it.each([
    ['42P01 undefined_table', withCode('42P01')],
    ['3F000 invalid_schema_name', withCode('3F000')],
    ['42883 undefined_function', withCode('42883')],
  ])('answers StorageError with a hint to run migrate() for %s', (_, cause) => {
    expect(classifyFailure('failed', cause)).toEqual({
      code: 'StorageError',
      message: `failed: ${MISSING_SCHEMA_HINT}`,
      cause,
    })
  })
})
