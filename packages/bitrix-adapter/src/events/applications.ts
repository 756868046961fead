import type { BitrixAuthResolver } from '../auth.js'
import { randomHex } from '../internal/random.js'

/** An application installed on the portal: what the event API needs to know of it. */
export interface BitrixApplication {
  /** Its OAuth client id. */
  readonly clientId: string
  /** Sent as `auth[application_token]` with every event, for its handlers to check the sender (safe-event-handlers.md). */
  readonly applicationToken: string
  /** `L` local, `F` free, `D` demo, `T` trial, `P` paid (auth-params-in-events). Default `L`. */
  readonly status?: 'L' | 'F' | 'D' | 'T' | 'P'
  /** Its scopes, comma-separated (`sonet_group,user`). Default every scope this adapter answers. */
  readonly scope?: string
}

/** OAuth tokens an event carries for the user it is sent as. */
export interface EventTokens {
  readonly access_token: string
  readonly expires_in: number
}

/**
 * The portal's applications, as the event API sees them. Supplied by the host beside its token resolver (`auth.token`).
 */
export interface BitrixApplications {
  /** The application an OAuth access token was issued to; `null` for any other token (then the call is no app's). */
  applicationOf(accessToken: string): BitrixApplication | null | Promise<BitrixApplication | null>
  /** An installed application by client id; `null` once it is gone (its bindings then get nothing). */
  byClientId(clientId: string): BitrixApplication | null | Promise<BitrixApplication | null>
  /**
   * Tokens for `userId` in `clientId`, sent with an event in `auth[…]`. Absent or `null`: the event carries only the
   * portal's fields and the application token, as a portal sends when no user caused the change.
   */
  tokensFor?(clientId: string, userId: string): EventTokens | null | Promise<EventTokens | null>
}

/** What the portal is, for the `auth[…]` of events: `domain`, `member_id`, and the REST and OAuth endpoints. */
export interface PortalIdentity {
  /** `some-domain.bitrix24.com` (the host and port clients use). */
  readonly domain: string
  readonly memberId: string
  /** `https://…/rest/`: where an event's tokens are used. */
  readonly clientEndpoint: string
  /** The OAuth server's `…/rest/`. Default `https://oauth.bitrix.info/rest/`. */
  readonly serverEndpoint?: string
}

/** An application's grant as an installation hands it over: the fields `B24OAuth` is built from. */
export interface ApplicationGrant {
  readonly access_token: string
  readonly refresh_token: string
  readonly expires: number
  readonly expires_in: number
  readonly scope: string
  readonly member_id: string
  readonly application_token: string
  readonly user_id: number
}

const newToken = () => randomHex(16)

/**
 * Installed applications in this process's memory, for tests and a stand-in portal: `install` an application, `grant`
 * a user a token in it, and give the handler `auth` (tokens resolve to their user) and `applications`. Tokens live
 * an hour; nothing here refreshes them.
 */
export function createInMemoryApplications(options: { memberId?: string; now?: () => number } = {}) {
  const now = options.now ?? Date.now
  const memberId = options.memberId ?? 'joinery'
  const installed = new Map<string, BitrixApplication>()
  const tokens = new Map<string, { clientId: string; userId: string; expiresAt: number }>()

  function grant(clientId: string, userId: string): ApplicationGrant {
    const app = installed.get(clientId)
    if (!app) throw new RangeError(`no application ${clientId} is installed`)
    const token = newToken()
    const expires = Math.floor(now() / 1000) + 3600
    tokens.set(token, { clientId, userId, expiresAt: expires * 1000 })
    return {
      access_token: token,
      refresh_token: newToken(),
      expires,
      expires_in: 3600,
      scope: app.scope ?? '',
      member_id: memberId,
      application_token: app.applicationToken,
      user_id: Number(userId),
    }
  }
  const live = (token: string) => {
    const t = tokens.get(token)
    return t && t.expiresAt > now() ? t : null
  }

  const auth: BitrixAuthResolver = { token: (token) => live(token)?.userId ?? null }
  const applications: BitrixApplications = {
    applicationOf: (token) => {
      const t = live(token)
      return t ? (installed.get(t.clientId) ?? null) : null
    },
    byClientId: (clientId) => installed.get(clientId) ?? null,
    tokensFor: (clientId, userId) => {
      if (!installed.has(clientId) || !/^\d+$/.test(userId)) return null
      const { access_token, expires_in } = grant(clientId, userId)
      return { access_token, expires_in }
    },
  }
  return {
    /** Installs an application; its application token is made when not given. */
    install(app: { clientId: string; applicationToken?: string; scope?: string }): BitrixApplication {
      const entry = {
        clientId: app.clientId,
        applicationToken: app.applicationToken ?? newToken(),
        scope: app.scope ?? 'sonet_group,socialnetwork,user',
      }
      installed.set(app.clientId, entry)
      return entry
    },
    /** Removes an application: its tokens stop working and its bindings get nothing. */
    uninstall(clientId: string) {
      installed.delete(clientId)
      for (const [token, t] of tokens) if (t.clientId === clientId) tokens.delete(token)
    },
    grant,
    auth,
    applications,
  }
}
