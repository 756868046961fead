import type { ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'
import { encodeCursor } from '../internal/keyset.js'
import type { Step } from '../internal/storage-flow.js'
import type { ListKey, Page } from '../ports/membership-store.js'
import type { PageOf } from './context.js'

/** How many rows offset paging reads at a time while it skips. */
const SKIP_CHUNK = 1000

/**
 * The key after the first `count` rows following `after`: offset paging over a keyset-ordered list, inside the
 * command's own transaction (so the page and the rows skipped come from one state).
 */
export async function skipRows<T>(
  step: Step,
  list: (page: Page) => ResultAsync<readonly T[], StorageFailure>,
  keyOf: (row: T) => ListKey,
  after: ListKey | null,
  count: number,
): Promise<ListKey | null> {
  let key = after
  for (let left = count; left > 0; ) {
    const rows = await step(list({ after: key, limit: Math.min(left, SKIP_CHUNK) }))
    const last = rows.at(-1)
    if (!last) break
    key = keyOf(last)
    left -= rows.length
  }
  return key
}

/** A page of `limit` rows from `limit + 1` read, with the cursor of the next page when there is one. */
export function pageOfRows<T>(rows: readonly T[], limit: number, keyOf: (row: T) => ListKey): PageOf<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, cursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null }
}

/** Every row following `after`, read in chunks inside the command's own transaction (so all come from one state). */
export async function allRows<T>(
  step: Step,
  list: (page: Page) => ResultAsync<readonly T[], StorageFailure>,
  keyOf: (row: T) => ListKey,
  after: ListKey | null,
): Promise<PageOf<T>> {
  const items: T[] = []
  let key = after
  for (;;) {
    const rows = await step(list({ after: key, limit: SKIP_CHUNK }))
    items.push(...rows)
    const last = rows.at(-1)
    if (!last || rows.length < SKIP_CHUNK) return { items, cursor: null }
    key = keyOf(last)
  }
}
