import { AppBskyGraphDefs, AtpAgent } from '@atproto/api'
import type { SocialGraph } from '@joinery/core'
import { ResultAsync } from 'neverthrow'

export interface AppViewSocialGraphOptions {
  /** The AppView to ask. Default `https://api.bsky.app`. */
  readonly service?: string
}

/**
 * The core's social-graph port over an AppView's `app.bsky.graph.getRelationships`: `follows(owner, user)` is
 * true when the owner follows the user. Any failure is `SocialGraphUnavailable`, never a silent `false`.
 */
export function createAppViewSocialGraph(options: AppViewSocialGraphOptions = {}): SocialGraph {
  const agent = new AtpAgent({ service: options.service ?? 'https://api.bsky.app' })
  return {
    follows: (follower, subject) =>
      ResultAsync.fromPromise(
        agent.app.bsky.graph.getRelationships({ actor: follower, others: [subject] }),
        (cause) => ({ code: 'SocialGraphUnavailable' as const, cause }),
      ).map((res) => {
        const relation = res.data.relationships.find((r) => AppBskyGraphDefs.isRelationship(r) && r.did === subject)
        // `following` is the URI of the owner's follow record, present only if they follow the user.
        return AppBskyGraphDefs.isRelationship(relation) && typeof relation.following === 'string'
      }),
  }
}
