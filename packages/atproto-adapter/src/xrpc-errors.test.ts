import { readFileSync } from 'node:fs'
import type { CoreError } from '@joinery/core'
import { describe, expect, it } from 'vitest'
import { declaredErrors, SERVED_METHODS } from './lexicons/index.js'
import { toXrpcError, XRPC_ERRORS } from './xrpc-errors.js'

describe(toXrpcError, () => {
  it('uses the first candidate name the method declares', () => {
    expect(toXrpcError('chat.bsky.group.requestJoin', { code: 'GroupNotFound' })).toMatchObject({
      status: 400,
      error: 'InvalidCode',
    })
    expect(toXrpcError('chat.bsky.convo.lockConvo', { code: 'GroupNotFound' })).toMatchObject({
      status: 400,
      error: 'InvalidConvo',
    })
    expect(toXrpcError('chat.bsky.group.requestJoin', { code: 'LinkExpired' })).toMatchObject({ error: 'LinkDisabled' })
    expect(toXrpcError('chat.bsky.group.requestJoin', { code: 'UserBanned' })).toMatchObject({ error: 'UserKicked' })
  })

  it('falls back to a generic name when the method declares none of the candidates', () => {
    expect(toXrpcError('chat.bsky.group.rejectJoinRequest', { code: 'RequestNotFound' })).toMatchObject({
      status: 400,
      error: 'InvalidRequest',
    })
    expect(toXrpcError('chat.bsky.group.requestJoin', { code: 'StorageError', message: 'secret detail' })).toEqual({
      status: 500,
      error: 'InternalServerError',
      message: 'Internal Server Error',
    })
    expect(toXrpcError('chat.bsky.group.requestJoin', { code: 'SocialGraphUnavailable' })).toMatchObject({
      status: 502,
      error: 'UpstreamFailure',
    })
    expect(
      toXrpcError('chat.bsky.group.requestJoin', { code: 'StorageUnavailable', message: 'secret detail' }),
    ).toEqual({
      status: 503,
      error: 'NotEnoughResources',
      message: 'Storage is temporarily unavailable, try again later',
    })
  })

  it('never answers a name the method does not declare, for any core error and method', () => {
    const generic = new Set(['InvalidRequest', 'InternalServerError', 'UpstreamFailure', 'NotEnoughResources'])
    for (const nsid of SERVED_METHODS) {
      for (const code of Object.keys(XRPC_ERRORS) as CoreError['code'][]) {
        const { error } = toXrpcError(nsid, { code, issues: [] } as unknown as CoreError)
        expect(declaredErrors(nsid).has(error) || generic.has(error), `${nsid} ${code} → ${error}`).toBe(true)
      }
    }
  })

  it('describes invalid input by the lexicon names of its fields', () => {
    const r = toXrpcError('chat.bsky.group.addMembers', {
      code: 'InvalidInput',
      issues: [
        { path: ['userIds', 0], message: 'Too big', code: 'too_big' },
        { path: ['actor'], message: 'Too big', code: 'too_big' },
      ],
    })
    expect(r).toEqual({ status: 400, error: 'InvalidRequest', message: 'members.0: Too big; iss: Too big' })
  })

  it('answers an id or code that cannot exist as the missing one it names', () => {
    const invalid = (field: string) => ({
      code: 'InvalidInput' as const,
      issues: [{ path: [field], message: 'Too big', code: 'too_big' }],
    })
    expect(toXrpcError('chat.bsky.group.editGroup', invalid('groupId'))).toEqual({
      status: 400,
      error: 'InvalidConvo',
      message: 'Convo not found',
    })
    expect(toXrpcError('chat.bsky.group.requestJoin', invalid('code'))).toMatchObject({ error: 'InvalidCode' })
    expect(toXrpcError('chat.bsky.group.createGroup', invalid('name'))).toMatchObject({ error: 'InvalidRequest' })
  })

  it('is the table the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const [code, e] of Object.entries(XRPC_ERRORS)) {
      const names = e.names.length ? e.names.map((n) => `\`${n}\``).join(', ') : '—'
      expect(readme).toContain(`| \`${code}\` | ${names} | \`${e.fallback}\` | ${e.message} |`)
    }
  })
})
