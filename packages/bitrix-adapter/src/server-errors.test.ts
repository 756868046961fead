import {
  createInMemoryStore,
  createJoinery,
  createSequentialIdGenerator,
  type Joinery,
  type MembershipStore,
  storageUnavailable,
} from '@joinery/core'
import { watchStore } from '@joinery/core/testing'
import { errAsync } from 'neverthrow'
import { afterEach, describe, expect, it } from 'vitest'
import { createBitrixHandler } from './handler.js'
import { startTestPortal, type TestPortal } from './internal/test-portal.js'

const SECRET = 'password=hunter2 at db.internal:5432'

/** A store whose every transaction answers StorageUnavailable, as a paused database does once its bound runs out. */
const pausedStore: MembershipStore = {
  transaction: () => errAsync(storageUnavailable('the database is unavailable', new Error(SECRET))),
}

/** A store whose group reads (joins read theirs through readJoinState) throw a plain Error: a bug, not an outage. */
function throwingStore(): MembershipStore {
  const watched = watchStore()
  watched.throwWhen((method) => ['getGroup', 'lockGroup', 'readJoinState'].includes(method), new Error(SECRET))
  return watched.store
}

let portal: TestPortal | undefined
afterEach(() => portal?.close())

async function call(p: TestPortal, method: string) {
  const res = await fetch(`${p.httpUrl}/rest/1/code-1/${method}`)
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

describe(createBitrixHandler, () => {
  it('answers StorageUnavailable with 503 QUERY_LIMIT_EXCEEDED and Retry-After, and reports nothing', async () => {
    const reported: unknown[] = []
    portal = await startTestPortal({
      joinery: createJoinery({ store: pausedStore, ids: createSequentialIdGenerator() }),
      onError: (cause) => reported.push(cause),
      retryAfterSeconds: 7,
    })
    for (const method of ['sonet_group.get?ORDER[ID]=ASC', 'sonet_group.user.request?GROUP_ID=1']) {
      const answer = await call(portal, method)
      expect(answer.status).toBe(503)
      expect(answer.retryAfter).toBe('7')
      expect(JSON.parse(answer.text)).toEqual({
        error: 'QUERY_LIMIT_EXCEEDED',
        error_description: 'Service temporarily unavailable, try again later',
      })
      expect(answer.text).not.toContain('hunter2')
    }
    expect(reported).toEqual([])
  })

  it('answers an unexpected store failure with a bare 500 and gives its cause to onError only', async () => {
    const reported: { cause: unknown; method: string }[] = []
    portal = await startTestPortal({
      joinery: createJoinery({ store: throwingStore(), ids: createSequentialIdGenerator() }),
      onError: (cause, { method }) => reported.push({ cause, method }),
    })
    const answer = await call(portal, 'sonet_group.user.request?GROUP_ID=1')
    expect(answer.status).toBe(500)
    expect(answer.retryAfter).toBeNull()
    expect(JSON.parse(answer.text)).toEqual({
      error: 'INTERNAL_SERVER_ERROR',
      error_description: 'Internal server error',
    })
    expect(answer.text).not.toContain('hunter2')
    expect(reported).toHaveLength(1)
    expect(reported[0]?.method).toBe('sonet_group.user.request')
    expect(reported[0]?.cause).toMatchObject({ code: 'StorageError', cause: new Error(SECRET) })
  })

  it('answers a method that throws with a bare 500, alone or in a batch, and gives the thrown error to onError', async () => {
    const reported: unknown[] = []
    const real = createJoinery({ store: createInMemoryStore() })
    const joinery: Joinery = {
      ...real,
      requestJoin: () => {
        throw new Error(SECRET)
      },
    }
    portal = await startTestPortal({ joinery, onError: (cause) => reported.push(cause) })
    const alone = await call(portal, 'sonet_group.user.request?GROUP_ID=1')
    expect(alone.status).toBe(500)
    expect(JSON.parse(alone.text)).toEqual({
      error: 'INTERNAL_SERVER_ERROR',
      error_description: 'Internal server error',
    })
    const batch = await call(portal, 'batch?cmd[a]=sonet_group.user.request%3FGROUP_ID%3D1')
    expect(JSON.parse(batch.text).result.result_error).toEqual({
      a: { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' },
    })
    for (const text of [alone.text, batch.text]) expect(text).not.toContain('hunter2')
    expect(reported).toEqual([new Error(SECRET), new Error(SECRET)])
  })
})
