const SORTABLE = '234567abcdefghijklmnopqrstuvwxyz'
const REV_LENGTH = 13

/**
 * A log position as a `rev`: the outbox `seq` in base32-sortable, 13 characters (the shape of a TID, as Bluesky's
 * revs), so revs compare as strings in the order of the events, as the Bluesky app compares them.
 */
export function revOf(seq: number | null): string {
  let n = seq ?? 0
  let out = ''
  do {
    out = SORTABLE[n % 32] + out
    n = Math.floor(n / 32)
  } while (n > 0)
  return out.padStart(REV_LENGTH, '2')
}

/** The `seq` a rev names, or `null` when it is not one this service made. */
export function seqOfRev(rev: string): number | null {
  if (rev.length !== REV_LENGTH) return null
  let n = 0
  for (const c of rev) {
    const digit = SORTABLE.indexOf(c)
    if (digit < 0) return null
    n = n * 32 + digit
  }
  return Number.isSafeInteger(n) ? n : null
}
