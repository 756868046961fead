import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BITRIX_ERRORS, toBitrixError } from './bitrix-errors.js'

describe(toBitrixError, () => {
  it('never sends an empty code, and hides storage details', () => {
    for (const entry of Object.values(BITRIX_ERRORS)) expect(entry.code.length).toBeGreaterThan(0)
    // The cause stays on the error for the handler's onError; the wire carries only `error` and its text.
    expect(toBitrixError({ code: 'StorageError', message: 'password=hunter2' })).toMatchObject({
      status: 500,
      error: 'INTERNAL_SERVER_ERROR',
      error_description: 'Internal server error',
    })
    expect(toBitrixError({ code: 'StorageUnavailable', message: 'password=hunter2' })).toMatchObject({
      status: 503,
      error: 'QUERY_LIMIT_EXCEEDED',
      error_description: 'Service temporarily unavailable, try again later',
    })
  })
  it('uses a method-specific text for access errors', () => {
    expect(
      toBitrixError({ code: 'InsufficientRole', required: 'owner' }, 'User has no permissions to delete group'),
    ).toMatchObject({
      error: 'ACCESS_DENIED',
      error_description: 'User has no permissions to delete group',
    })
  })
  it('is the table the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const [code, e] of Object.entries(BITRIX_ERRORS)) {
      expect(readme).toContain(`| \`${code}\` | \`${e.code}\` | ${e.status} | ${e.description} |`)
    }
  })
})
