import type { ListKey, Page } from '../ports/membership-store.js'
import { isStorableText, isStorableTime, MAX_USER_ID_BYTES, utf8Bytes } from './storable.js'

export function compareKeys(a: ListKey, b: ListKey): number {
  const byTime = a.at.getTime() - b.at.getTime()
  if (byTime !== 0) return byTime
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Sorts rows by key, keeps those after `page.after`, and takes `page.limit`. */
export function pageOf<T>(rows: Iterable<T>, keyOf: (row: T) => ListKey, page: Page): T[] {
  const after = page.after
  const kept: T[] = []
  for (const row of rows) if (!after || compareKeys(keyOf(row), after) > 0) kept.push(row)
  kept.sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
  return kept.slice(0, page.limit)
}

/** An opaque cursor: the key's time in ms and its id. */
export function encodeCursor(key: ListKey): string {
  return `${key.at.getTime()}_${key.id}`
}

const CURSOR = /^(-?\d{1,16})_(.+)$/s

/**
 * The key a cursor made by `encodeCursor` names; `null` when the text is not such a cursor (a time outside the
 * storable range, an id that is not storable text). A caller refuses a `null`: it is never "the first page".
 */
export function decodeCursor(cursor: string): ListKey | null {
  const m = CURSOR.exec(cursor)
  if (!m) return null
  const ms = Number(m[1])
  const id = m[2] as string
  if (!isStorableTime(ms) || !isStorableText(id) || utf8Bytes(id) > MAX_USER_ID_BYTES) return null
  return { at: new Date(ms), id }
}
