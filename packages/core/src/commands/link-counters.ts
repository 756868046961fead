import { okAsync, type ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'
import type { JoinRequestVia } from '../domain/join-request.js'
import type { LinkCounterChange, StoreTx } from '../ports/membership-store.js'

/** Adjusts a link's counters inside the transaction, atomically in the store; no link, no change. */
export function countOnLink(
  tx: StoreTx,
  code: string | null,
  change: LinkCounterChange,
): ResultAsync<void, StorageFailure> {
  return code === null ? okAsync(undefined) : tx.countOnLink(code, change)
}

export function linkCodeOf(via: JoinRequestVia): string | null {
  return via.kind === 'link' ? via.code : null
}
