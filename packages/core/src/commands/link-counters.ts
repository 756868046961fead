import { okAsync, type ResultAsync } from 'neverthrow'
import type { StorageError } from '../domain/errors.js'
import type { JoinLink } from '../domain/join-link.js'
import type { JoinRequestVia } from '../domain/join-request.js'
import type { StoreTx } from '../ports/membership-store.js'

export interface CounterChange {
  readonly uses?: number
  readonly pending?: number
  readonly refusal?: string
}

/** Adjusts a link's counters inside the transaction; a link that is gone is left alone. */
export function countOnLink(tx: StoreTx, code: string | null, change: CounterChange): ResultAsync<void, StorageError> {
  if (code === null) return okAsync(undefined)
  return tx.getLink(code).andThen((link) => (link ? tx.updateLink(withCounts(link, change)) : okAsync(undefined)))
}

export function linkCodeOf(via: JoinRequestVia): string | null {
  return via.kind === 'link' ? via.code : null
}

function withCounts(link: JoinLink, change: CounterChange): JoinLink {
  const c = link.counters
  const refusals = change.refusal
    ? { ...c.refusals, [change.refusal]: (c.refusals[change.refusal] ?? 0) + 1 }
    : c.refusals
  return {
    ...link,
    counters: {
      uses: c.uses + (change.uses ?? 0),
      pending: Math.max(0, c.pending + (change.pending ?? 0)),
      refusals,
    },
  }
}
