import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type BitrixApplication,
  type BitrixApplications,
  type BitrixAuthResolver,
  EXPIRED_TOKEN,
} from '@joinery/bitrix-adapter'

/** The client id of the demo's one application: every token the demo's OAuth server issues is this application's. */
export const DEMO_APPLICATION = 'local.joinery-demo'

/** How long an access token lives, as on a portal (one hour); a refresh token lives 28 days. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600
const REFRESH_TOKEN_TTL_SECONDS = 28 * 24 * 3600

interface Grant {
  readonly userId: string
  readonly expiresAt: number
}

const digest = (value: string) => createHash('sha256').update(value).digest()
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b))
const newToken = () => randomBytes(24).toString('hex')

/**
 * The demo's OAuth server, standing in for the token endpoint of a portal's OAuth server (`/oauth/token/`): it issues
 * access tokens that the Bitrix24 adapter then accepts as `?auth=…`, `auth` in the body, or `Authorization: Bearer`.
 *
 * A token is issued to a webhook's user: `grant_type=client_credentials` with `client_id` = the user id and
 * `client_secret` = the webhook code (the demo has no app registry, so the webhook is the credential); and renewed
 * with `grant_type=refresh_token`. The answer has Bitrix24's token fields (`access_token`, `refresh_token`,
 * `expires_in`, `expires`, `scope`, `user_id`, `domain`, `client_endpoint`, `server_endpoint`, `member_id`, `status`).
 * Tokens live in this process's memory: copies of the server sharing one database do not share tokens.
 */
export function createDemoOAuth(webhooks: readonly { userId: string; code: string }[], now: () => number = Date.now) {
  const access = new Map<string, Grant>()
  const refresh = new Map<string, Grant>()
  // Every token it issues belongs to one application, the demo's, so its tokens may use the event API (event.bind…).
  const application: BitrixApplication = {
    clientId: DEMO_APPLICATION,
    applicationToken: randomBytes(16).toString('hex'),
    scope: 'sonet_group,socialnetwork,user',
  }

  function issue(userId: string, host: string) {
    const accessToken = newToken()
    const refreshToken = newToken()
    const at = Math.floor(now() / 1000)
    access.set(accessToken, { userId, expiresAt: (at + ACCESS_TOKEN_TTL_SECONDS) * 1000 })
    refresh.set(refreshToken, { userId, expiresAt: (at + REFRESH_TOKEN_TTL_SECONDS) * 1000 })
    return {
      access_token: accessToken,
      expires: at + ACCESS_TOKEN_TTL_SECONDS,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      scope: 'sonet_group,socialnetwork,user',
      domain: host,
      server_endpoint: `http://${host}/oauth/rest/`,
      client_endpoint: `http://${host}/rest/`,
      member_id: 'joinery-demo',
      user_id: Number(userId),
      status: 'L',
      refresh_token: refreshToken,
      application_token: application.applicationToken,
    }
  }

  /** The user an unexpired access token was issued to, or `null`. */
  function userOf(token: string): string | null {
    const grant = access.get(token)
    return grant && grant.expiresAt > now() ? grant.userId : null
  }
  /**
   * The adapter's resolver: an unexpired access token acts as the user it was issued to; a lapsed one answers
   * `expired_token` (401), as a portal does, so that a client renews it; it is forgotten once its refresh token
   * could no longer renew it either (then `invalid_token`).
   */
  function resolveToken(token: string): string | typeof EXPIRED_TOKEN | null {
    const grant = access.get(token)
    if (!grant) return null
    if (grant.expiresAt > now()) return grant.userId
    if (grant.expiresAt + REFRESH_TOKEN_TTL_SECONDS * 1000 <= now()) {
      access.delete(token)
      return null
    }
    return EXPIRED_TOKEN
  }
  const auth: Pick<BitrixAuthResolver, 'token'> = { token: resolveToken }

  /**
   * The event API's view of the demo's one application: its tokens' application, and tokens for the users events are
   * sent as (`host` is where those tokens are used).
   */
  const applicationsFor = (host: string): BitrixApplications => ({
    applicationOf: (token) => (userOf(token) ? application : null),
    byClientId: (clientId) => (clientId === application.clientId ? application : null),
    tokensFor: (clientId, userId) => {
      if (clientId !== application.clientId || !/^\d+$/.test(userId)) return null
      const { access_token, expires_in } = issue(userId, host)
      return { access_token, expires_in }
    },
  })

  /** Answers `/oauth/token/` (GET query or urlencoded POST body). */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8').slice(0, 4096))
    const param = (name: string) => body.get(name) ?? url.searchParams.get(name) ?? ''
    const host = req.headers.host ?? 'localhost'
    const send = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload)
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      res.end(text)
    }
    const grantType = param('grant_type')
    if (grantType === 'client_credentials') {
      const hook = webhooks.find((w) => w.userId === param('client_id'))
      if (!hook || !sameSecret(hook.code, param('client_secret')))
        return send(401, { error: 'invalid_client', error_description: 'Invalid client credentials' })
      return send(200, issue(hook.userId, host))
    }
    if (grantType === 'refresh_token') {
      const grant = refresh.get(param('refresh_token'))
      if (!grant || grant.expiresAt <= now())
        return send(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' })
      refresh.delete(param('refresh_token'))
      return send(200, issue(grant.userId, host))
    }
    return send(400, { error: 'unsupported_grant_type', error_description: 'grant_type is not supported' })
  }

  return { auth, handle, issue, application, applicationsFor }
}
