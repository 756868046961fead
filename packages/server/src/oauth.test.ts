import { createBitrixHandler, EXPIRED_TOKEN } from '@joinery/bitrix-adapter'
import { listen } from '@joinery/bitrix-adapter/node'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { createDemoOAuth } from './oauth.js'
import { type RunningServer, startServer } from './server.js'

// The demo's OAuth token endpoint and the adapter's token resolver: the seed's own `?auth=` URLs work with the
// tokens it issues (api-reference: an OAuth call is `/rest/{method}?auth=TOKEN`, `auth` in the body, or Bearer).
let server: RunningServer
beforeAll(async () => {
  server = await startServer({ ...configFromEnv({}), port: 0, tlsPort: null, log: false })
}, 60_000)
afterAll(() => server.stop())

async function tokenFor(userId: string, code: string) {
  const res = await fetch(
    `${server.httpUrl}/oauth/token/?grant_type=client_credentials&client_id=${userId}&client_secret=${code}`,
  )
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('the demo OAuth server', () => {
  it('issues a token for a webhook user, accepted as ?auth=, in the body and as Bearer', async () => {
    const { status, body } = await tokenFor('1', 'demo-hook-1')
    expect(status).toBe(200)
    expect(body).toMatchObject({ expires_in: 3600, user_id: 1, status: 'L' })
    const token = body.access_token as string
    const byQuery = await fetch(`${server.httpUrl}/rest/profile?auth=${token}`)
    expect(await byQuery.json()).toMatchObject({ result: { ID: '1', ADMIN: true } })
    const byBody = await fetch(`${server.httpUrl}/rest/sonet_group.create.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `NAME=Via+OAuth&auth=${token}`,
    })
    expect(byBody.status).toBe(200)
    const byBearer = await fetch(`${server.httpUrl}/rest/user.current`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(await byBearer.json()).toMatchObject({ result: { ID: '1' } })
  })

  it('refuses wrong client credentials, unknown tokens, and renews with a refresh token', async () => {
    expect((await tokenFor('1', 'wrong')).status).toBe(401)
    const unknown = await fetch(`${server.httpUrl}/rest/profile?auth=not-issued`)
    expect(unknown.status).toBe(401)
    expect(await unknown.json()).toMatchObject({ error: 'invalid_token' })
    const first = (await tokenFor('2', 'demo-hook-2')).body
    const renewed = await fetch(`${server.httpUrl}/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${first.refresh_token as string}`,
    })
    const next = (await renewed.json()) as { access_token: string }
    const profile = await fetch(`${server.httpUrl}/rest/profile`, {
      headers: { authorization: `Bearer ${next.access_token}` },
    })
    // User 2 is no portal administrator (BITRIX_ADMINS defaults to user 1).
    expect(await profile.json()).toMatchObject({ result: { ID: '2', ADMIN: false } })
  })

  it('lets an access token lapse after its hour', () => {
    let now = 1_000_000
    const oauth = createDemoOAuth([{ userId: '3', code: 'c' }], () => now)
    const { access_token } = oauth.issue('3', 'localhost')
    expect(oauth.auth.token?.(access_token)).toBe('3')
    now += 3600 * 1000 - 1
    expect(oauth.auth.token?.(access_token)).toBe('3')
    now += 1
    expect(oauth.auth.token?.(access_token)).toBe(EXPIRED_TOKEN)
    now += 28 * 24 * 3600 * 1000
    expect(oauth.auth.token?.(access_token)).toBeNull()
  })

  it('answers a lapsed token 401 expired_token, as a portal does [docs:_includes/system-errors.md], and an unknown one invalid_token', async () => {
    let now = Date.now()
    const oauth = createDemoOAuth([{ userId: '3', code: 'c' }], () => now)
    const joinery = createJoinery({ store: createInMemoryStore(), ids: createSequentialIdGenerator() })
    const http = await listen(createBitrixHandler({ joinery, auth: oauth.auth }))
    try {
      const { access_token } = oauth.issue('3', 'localhost')
      const call = async (token: string) => {
        const res = await fetch(`${http.url}/rest/user.current?auth=${token}`)
        return { status: res.status, body: (await res.json()) as Record<string, unknown> }
      }
      expect(await call(access_token)).toMatchObject({ status: 200, body: { result: { ID: '3' } } })
      now += 3600 * 1000
      expect(await call(access_token)).toEqual({
        status: 401,
        body: { error: 'expired_token', error_description: 'The access token provided has expired' },
      })
      expect(await call('never-issued')).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    } finally {
      await http.close()
    }
  })
})
