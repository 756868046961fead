import type { ResultAsync } from 'neverthrow'
import type { ErrorOf } from '../domain/errors.js'
import type { UserId } from '../domain/group.js'

export type SocialGraphError = ErrorOf<'SocialGraphUnavailable'>

/** Who follows whom, for links with the `followed-by-owner` rule. */
export interface SocialGraph {
  /** Whether `follower` follows `subject`. MUST answer `err` (not `false`) when it cannot tell. */
  follows(follower: UserId, subject: UserId): ResultAsync<boolean, SocialGraphError>
}
