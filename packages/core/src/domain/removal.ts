import type { GroupId, UserId } from './group.js'

/**
 * A standing refusal for one user in one group. `kicked`: removed from the group; `banned`: barred whether or not
 * they were a member. Either blocks every link and request until an approver lifts it or `until` passes.
 */
export interface Removal {
  readonly groupId: GroupId
  readonly userId: UserId
  readonly kind: 'kicked' | 'banned'
  readonly by: UserId
  readonly at: Date
  readonly until: Date | null
  readonly reason: string | null
}

export function removalIsActive(removal: Removal | null, now: Date): removal is Removal {
  return removal !== null && (removal.until === null || removal.until.getTime() > now.getTime())
}
