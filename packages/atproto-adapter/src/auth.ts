import { AuthRequiredError, verifyJwt } from '@atproto/xrpc-server'

/** Resolves the atproto signing key (a `did:key:…`) of a DID; `forceRefresh` after a signature failed. */
export type SigningKeyResolver = (did: string, forceRefresh: boolean) => Promise<string>

/** Remembers token ids until they expire, to refuse a replayed service JWT. */
export interface ReplayGuard {
  /** Records `jti` and answers whether it was new. MUST remember it at least until `expiresAtMs`. */
  firstUse(jti: string, expiresAtMs: number): boolean
}

export interface ServiceAuthOptions {
  /** This service's DID: the audience tokens must carry, bare or as `did#serviceId`. */
  readonly serviceDid: string
  /**
   * Keys of issuers that are not `did:key`. Without it only `did:key` issuers are accepted. In production pass
   * `@atproto/identity`: `const ids = new IdResolver(); (did, fresh) => ids.did.resolveAtprotoKey(did, fresh)`.
   */
  readonly resolveSigningKey?: SigningKeyResolver
  /** Refuses a token id seen before (`createMemoryReplayGuard()`); off by default, as in `@atproto/xrpc-server`. */
  readonly replayGuard?: ReplayGuard
}

/** The verified caller. */
export interface Caller {
  readonly did: string
}

function payloadOf(token: string): { aud?: unknown; iss?: unknown; jti?: unknown; exp?: unknown } | null {
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return parsed && typeof parsed === 'object' ? parsed : null
  } catch {
    return null
  }
}

/**
 * Verifies atproto inter-service JWTs (`Authorization: Bearer …`) with `@atproto/xrpc-server`'s `verifyJwt`:
 * signature, audience, lexicon method (`lxm`) and expiry. Every failure is a 401 `AuthRequiredError`.
 */
export function createServiceAuth(options: ServiceAuthOptions) {
  const { serviceDid, resolveSigningKey, replayGuard } = options

  const getSigningKey = async (iss: string, forceRefresh: boolean): Promise<string> => {
    if (iss.startsWith('did:key:')) return iss
    if (!resolveSigningKey) throw new AuthRequiredError(`cannot resolve the signing key of ${iss}`, 'UntrustedIss')
    try {
      return await resolveSigningKey(iss, forceRefresh)
    } catch (cause) {
      throw new AuthRequiredError('could not resolve the issuer signing key', 'UntrustedIss', { cause })
    }
  }

  /** The caller of `nsid` if the request carries a valid token for it; throws 401 otherwise. */
  async function verify(authorization: string | undefined, nsid: string): Promise<Caller> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : null
    if (!token) throw new AuthRequiredError('missing service token', 'AuthMissing')
    const claims = payloadOf(token)
    if (!claims) throw new AuthRequiredError('poorly formatted jwt', 'BadJwt')
    // verifyJwt compares the audience exactly: accept the bare DID and any `did#service` form of ours.
    const aud =
      typeof claims.aud === 'string' && (claims.aud === serviceDid || claims.aud.startsWith(`${serviceDid}#`))
        ? claims.aud
        : serviceDid
    const payload = await verifyJwt(token, aud, nsid, getSigningKey)
    if (payload.iss.includes('#'))
      throw new AuthRequiredError('a user token cannot name a service issuer', 'BadJwtIssuer')
    if (replayGuard) {
      if (typeof payload.jti !== 'string') throw new AuthRequiredError('token has no jti', 'BadJwt')
      if (!replayGuard.firstUse(payload.jti, payload.exp * 1000))
        throw new AuthRequiredError('token replayed', 'JwtReplayed')
    }
    return { did: payload.iss }
  }

  return { verify }
}

export type ServiceAuth = ReturnType<typeof createServiceAuth>

/** A replay guard in memory: enough for one process; share a store-backed one across instances. */
export function createMemoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const seen = new Map<string, number>()
  let nextSweep = 0
  return {
    firstUse(jti, expiresAtMs) {
      const t = now()
      if (t >= nextSweep) {
        for (const [id, exp] of seen) if (exp <= t) seen.delete(id)
        nextSweep = t + 60_000
      }
      if (seen.has(jti)) return false
      seen.set(jti, expiresAtMs)
      return true
    },
  }
}
