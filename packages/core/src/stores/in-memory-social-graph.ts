import { okAsync } from 'neverthrow'
import type { UserId } from '../domain/group.js'
import type { SocialGraph } from '../ports/social-graph.js'

export interface InMemorySocialGraph extends SocialGraph {
  follow(follower: UserId, subject: UserId): void
  unfollow(follower: UserId, subject: UserId): void
}

/** A social graph kept in memory: for tests, demos, and services whose follows live in the same process. */
export function createInMemorySocialGraph(follows: Iterable<readonly [UserId, UserId]> = []): InMemorySocialGraph {
  const edges = new Set<string>()
  const key = (follower: UserId, subject: UserId) => `${follower}\u0000${subject}`
  for (const [follower, subject] of follows) edges.add(key(follower, subject))
  return {
    follows: (follower, subject) => okAsync(edges.has(key(follower, subject))),
    follow: (follower, subject) => void edges.add(key(follower, subject)),
    unfollow: (follower, subject) => void edges.delete(key(follower, subject)),
  }
}
