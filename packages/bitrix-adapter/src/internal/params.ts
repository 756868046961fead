import { MAX_USER_IDS_PER_CALL } from '../limits.js'
import type { Params, ParamValue } from '../wire/php-params.js'

/**
 * Top-level names in upper case. Only `batch` reads its own parameters this way (`CMD`, `HALT`: the REST module
 * upper-cases a batch's keys, `modules/rest/classes/general/rest_provider.php`); every method reads its parameters
 * by their exact names, as the socialnetwork module does (`$arFields['GROUP_ID']`), so `group_id` is not `GROUP_ID`.
 */
export function upperKeys(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toUpperCase(), v]))
}

/**
 * PHP's `intval` of a request value, as Bitrix24 reads `start` (`CRestServer::processCall`): a leading integer
 * (`"12abc"` → 12, `" 7"` → 7, `"12.7"` → 12, a number truncated toward zero), anything else 0.
 */
export function phpIntval(value: ParamValue | undefined): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value !== 'string') return 0
  const m = /^[ \t\n\r\v\f]*([+-]?\d+)/.exec(value)
  if (!m) return 0
  const n = Number(m[1])
  // PHP saturates at the integer limits; a start that large is past every list anyway.
  return Number.isSafeInteger(n) ? n : n < 0 ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER
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
 * The `start` of an old-style (CDBResult) list such as `sonet_group.get`, as `IRestService::getNavData` reads it:
 * `intval(start)`; a negative one is the first page without counting (`null`, settings/performance/huge-data.md);
 * otherwise the page `floor(start / 50) + 1`, so the offset rounds down to a multiple of 50 (`start=49` reads rows
 * 1–50, as `start=0`).
 */
export function pageStart(value: ParamValue | undefined, pageSize: number): number | null {
  const start = phpIntval(value)
  if (start < 0) return null
  return Math.min(Math.floor(start / pageSize) * pageSize, 10_000_000)
}

/** The `start` of an ORM-style list (`socialnetwork.api.workgroup.list`): `intval`, an exact offset; negative: `null`. */
export function exactStart(value: ParamValue | undefined): number | null {
  const start = phpIntval(value)
  return start < 0 ? null : Math.min(start, 10_000_000)
}
