import {
  createInMemoryStore,
  createJoinery,
  type Joinery,
  type MembershipStore,
  storageUnavailable,
} from '@joinery/core'
import { watchStore } from '@joinery/core/testing'
import { errAsync } from 'neverthrow'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestService, type TestService } from './internal/test-service.js'
import { registerJoineryMethods } from './register.js'

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

let svc: TestService | undefined
afterEach(() => svc?.close())

async function post(service: TestService, nsid: string, body: unknown) {
  const user = await service.newUser()
  const res = await fetch(`${service.url}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await user.token(nsid)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

async function get(service: TestService, nsid: string, query: string) {
  const user = await service.newUser()
  const res = await fetch(`${service.url}/xrpc/${nsid}?${query}`, {
    headers: { authorization: `Bearer ${await user.token(nsid)}` },
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

describe(registerJoineryMethods, () => {
  it('answers StorageUnavailable with 503, Retry-After and a declared-shape body, and reports nothing', async () => {
    const reported: unknown[] = []
    svc = await startTestService({
      joinery: createJoinery({ store: pausedStore }),
      onError: (cause) => reported.push(cause),
      retryAfterSeconds: 7,
    })
    for (const answer of [
      await post(svc, 'chat.bsky.group.requestJoin', { code: 'abc' }),
      await get(svc, 'chat.bsky.group.listJoinRequests', 'convoId=1'),
    ]) {
      expect(answer.status).toBe(503)
      expect(answer.retryAfter).toBe('7')
      expect(JSON.parse(answer.text)).toEqual({
        error: 'NotEnoughResources',
        message: 'Storage is temporarily unavailable, try again later',
      })
      expect(answer.text).not.toContain('hunter2')
    }
    expect(reported).toEqual([])
  })

  it('answers an unexpected store failure with a bare 500 and gives its cause to onError only', async () => {
    const reported: { cause: unknown; method: string }[] = []
    svc = await startTestService({
      joinery: createJoinery({ store: throwingStore() }),
      onError: (cause, { method }) => reported.push({ cause, method }),
    })
    const answer = await post(svc, 'chat.bsky.group.requestJoin', { code: 'abc' })
    expect(answer.status).toBe(500)
    expect(answer.retryAfter).toBeNull()
    expect(JSON.parse(answer.text)).toEqual({ error: 'InternalServerError', message: 'Internal Server Error' })
    expect(answer.text).not.toContain('hunter2')
    expect(reported).toHaveLength(1)
    expect(reported[0]?.method).toBe('chat.bsky.group.requestJoin')
    expect(reported[0]?.cause).toMatchObject({ code: 'StorageError', cause: new Error(SECRET) })
  })

  it('answers a method that throws with a bare 500 and gives the thrown error to onError', async () => {
    const reported: unknown[] = []
    const real = createJoinery({ store: createInMemoryStore() })
    const joinery: Joinery = {
      ...real,
      requestJoinByCode: () => {
        throw new Error(SECRET)
      },
    }
    svc = await startTestService({ joinery, onError: (cause) => reported.push(cause) })
    const answer = await post(svc, 'chat.bsky.group.requestJoin', { code: 'abc' })
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.text)).toEqual({ error: 'InternalServerError', message: 'Internal Server Error' })
    expect(answer.text).not.toContain('hunter2')
    expect(reported).toEqual([new Error(SECRET)])
  })
})
