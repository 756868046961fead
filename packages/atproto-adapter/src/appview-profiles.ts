import { AtpAgent } from '@atproto/api'
import { createBoundedCache } from './internal/bounded-cache.js'
import type { ProfileBasics, ProfileLookup } from './views.js'

export interface AppViewProfilesOptions {
  /** The AppView to ask. Default `https://api.bsky.app`. */
  readonly service?: string
  /** How long a profile is shown before it is asked again. Default 10 minutes. */
  readonly ttlMs?: number
  /** How many profiles are kept (the least recently used leave first). Default 10,000. */
  readonly maxEntries?: number
}

/** `app.bsky.actor.getProfiles` takes at most this many actors a call. */
const PER_CALL = 25

/**
 * Profiles (handle, display name, avatar) for convo views from an AppView's `app.bsky.actor.getProfiles`, 25 DIDs
 * a call, kept for `ttlMs`. A DID the AppView does not know is remembered as unknown for as long (its views say
 * `handle.invalid`); a failed call is not remembered and leaves those DIDs unknown for this answer only — a profile
 * service that is down never fails a membership answer.
 * @example
 * createJoineryXrpcServer({ joinery, serviceDid, profiles: createAppViewProfiles() })
 */
export function createAppViewProfiles(options: AppViewProfilesOptions = {}): ProfileLookup {
  const agent = new AtpAgent({ service: options.service ?? 'https://api.bsky.app' })
  const cache = createBoundedCache<string, ProfileBasics | null>({
    maxEntries: options.maxEntries ?? 10_000,
    ttlMs: options.ttlMs ?? 10 * 60_000,
  })
  return async (dids) => {
    const known = new Map<string, ProfileBasics>()
    const missing: string[] = []
    for (const did of new Set(dids)) {
      const cached = cache.get(did)
      if (cached === undefined) missing.push(did)
      else if (cached) known.set(did, cached)
    }
    const batches: string[][] = []
    for (let i = 0; i < missing.length; i += PER_CALL) batches.push(missing.slice(i, i + PER_CALL))
    await Promise.all(
      batches.map(async (actors) => {
        let profiles: { did: string; handle: string; displayName?: string; avatar?: string }[]
        try {
          profiles = (await agent.app.bsky.actor.getProfiles({ actors })).data.profiles
        } catch {
          return
        }
        const found = new Map(profiles.map((p) => [p.did, p]))
        for (const did of actors) {
          const p = found.get(did)
          const basics: ProfileBasics | null = p
            ? {
                handle: p.handle,
                ...(p.displayName ? { displayName: p.displayName } : {}),
                ...(p.avatar ? { avatar: p.avatar } : {}),
              }
            : null
          cache.set(did, basics)
          if (basics) known.set(did, basics)
        }
      }),
    )
    return known
  }
}

/** Profiles from a fixed map, for tests and for hosts that know their users. */
export function createStaticProfiles(profiles: Iterable<readonly [string, ProfileBasics]>): ProfileLookup {
  const map = new Map(profiles)
  return async (dids) => new Map(dids.flatMap((did) => (map.has(did) ? [[did, map.get(did) as ProfileBasics]] : [])))
}
