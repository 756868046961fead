import { MAX_USER_IDS_PER_CALL } from '../limits.js'
import type { Params, ParamValue } from '../wire/php-params.js'

/** Bitrix24 reads top-level parameter names in upper case; so do we, whatever case they arrive in. */
export function upperKeys(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toUpperCase(), v]))
}

/** A positive integer id given as a number or a decimal string, as a string; `null` otherwise. */
export function positiveId(value: ParamValue | undefined): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : null
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) {
    const n = Number(value)
    return n > 0 ? String(n) : null
  }
  return null
}

/** One id or a list of up to MAX_USER_IDS_PER_CALL ids; `null` if any is not a positive integer, or none or too many. */
export function idList(value: ParamValue | undefined): string[] | null {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value]
  if (items.length === 0 || items.length > MAX_USER_IDS_PER_CALL) return null
  const ids = items.map((v) => positiveId(v))
  return ids.every((id): id is string => id !== null) ? ids : null
}

/** `Y`/`N` (or true/false): the boolean, `undefined` when absent, `null` when it is something else. */
export function yesNo(value: ParamValue | undefined): boolean | undefined | null {
  if (value === undefined) return undefined
  if (value === 'Y' || value === 'y' || value === true) return true
  if (value === 'N' || value === 'n' || value === false) return false
  return null
}

/** A string parameter; numbers are accepted as their text. `undefined` when absent, `null` for anything else. */
export function text(value: ParamValue | undefined): string | undefined | null {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return null
}

/**
 * The list parameter `start` of a paged method: an offset (default 0), or `null` for a negative one, which Bitrix24
 * reads as "the first page, without counting" (settings/performance/huge-data.md); `undefined` if invalid.
 */
export function startOffset(value: ParamValue | undefined): number | null | undefined {
  if (value === undefined || value === '') return 0
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d{1,9}$/.test(value)
        ? Number(value)
        : Number.NaN
  if (!Number.isSafeInteger(n)) return undefined
  return n < 0 ? null : n
}
