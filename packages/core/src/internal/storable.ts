// What every store can hold, whatever the database: the limits the command schemas enforce at the edge.

/** UTF-8 length of a string (a surrogate pair counts 4 bytes, 2 per code unit). */
export function utf8Bytes(value: string): number {
  let bytes = 0
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdfff ? 2 : 3
  }
  return bytes
}

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Whether a string can be stored as text anywhere: no NUL (U+0000) and no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value)
}

/**
 * What `isStorableText(value) && utf8Bytes(value) <= maxBytes` answers, in one pass with no regular expression:
 * the check behind the command schemas' fast path (`fastField`), which must agree with them.
 */
export function isStorableWithin(value: string, maxBytes: number): boolean {
  // A UTF-16 unit is at least one UTF-8 byte: longer strings cannot fit.
  if (value.length > maxBytes) return false
  let bytes = 0
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    if (unit < 0x80) {
      if (unit === 0) return false
      bytes += 1
    } else if (unit < 0x800) bytes += 2
    else if (unit < 0xd800 || unit > 0xdfff) bytes += 3
    else {
      // A high surrogate followed by a low one, else an unpaired surrogate.
      const next = value.charCodeAt(i + 1)
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false
      bytes += 4
      i++
    }
  }
  return bytes <= maxBytes
}

/** The most UTF-8 bytes of an id or code: they sit in PostgreSQL b-tree indexes, whose entries stay under 2,704. */
export const MAX_USER_ID_BYTES = 2048
export const MAX_GROUP_ID_BYTES = 256

/** The earliest and latest instants a command accepts: years 1 to 9999 (UTC), which every PostgreSQL driver writes. */
export const MIN_STORABLE_DATE = new Date('0001-01-01T00:00:00.000Z')
export const MAX_STORABLE_DATE = new Date('9999-12-31T23:59:59.999Z')

export function isStorableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_STORABLE_DATE.getTime() && ms <= MAX_STORABLE_DATE.getTime()
}

/** PostgreSQL's `integer` (int4), the type of every count and limit column. */
export const INT4_MIN = -2_147_483_648
export const INT4_MAX = 2_147_483_647
