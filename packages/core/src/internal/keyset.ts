import type { ListKey, Page } from '../ports/membership-store.js'

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

export function decodeCursor(cursor: string): ListKey | null {
  const cut = cursor.indexOf('_')
  if (cut <= 0) return null
  const ms = Number(cursor.slice(0, cut))
  if (!Number.isSafeInteger(ms)) return null
  return { at: new Date(ms), id: cursor.slice(cut + 1) }
}
