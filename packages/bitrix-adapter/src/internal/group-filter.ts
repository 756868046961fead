import type { ListGroupsInput } from '@joinery/core'
import type { ParamValue } from '../wire/php-params.js'
import { yesNo } from './params.js'

type Condition = NonNullable<ListGroupsInput['where']>[number]
/** A condition, or alternatives of which one must hold (`whereAny` in the core). */
export type Where = Condition | { readonly anyOf: readonly Condition[] }
type Op = Condition['op']
type OrderBy = NonNullable<ListGroupsInput['orderBy']>[number]

/**
 * What `sonet_group.get` answers for the fields Joinery does not keep, for every group of this adapter: one site
 * (Bitrix24's default `s1`), one subject, no extranet, every group active, none a project.
 */
export const CONSTANT_FIELDS = { SITE_ID: 's1', IS_EXTRANET: 'N', ACTIVE: 'Y' } as const

/**
 * The Bitrix24 fields kept as the core's descriptive group attributes (see the README): the attribute's name and
 * the value a group without it shows (one made before, or through another protocol).
 */
export const ATTRIBUTE_FIELDS = {
  SUBJECT_ID: { name: 'subjectId', missing: '1' },
  KEYWORDS: { name: 'keywords', missing: '' },
  PROJECT: { name: 'project', missing: 'N' },
} as const

/**
 * Filter operators as the socialnetwork module reads a FILTER key: a leading run of non-letters, then the field.
 * `?` (the module's search syntax) is a case-insensitive substring match here. Any other prefix is dropped.
 */
const OPERATORS = {
  '': 'eq',
  '=': 'eq',
  '!': 'ne',
  '!=': 'ne',
  '>': 'gt',
  '>=': 'gte',
  '<': 'lt',
  '<=': 'lte',
  '%': 'contains',
  '?': 'contains',
  '!%': 'notContains',
  '><': 'between',
  '!><': 'notBetween',
} as const
type FilterOp = (typeof OPERATORS)[keyof typeof OPERATORS]

const TEXT_FIELDS = { ID: 'id', NAME: 'name', OWNER_ID: 'ownerId' } as const
/** Joinery keeps no update or activity time: the rows show the creation time there, and a condition reads it. */
const DATES = new Set(['DATE_CREATE', 'DATE_UPDATE', 'DATE_ACTIVITY'])

/** A condition no group meets (no group has an empty id). */
const NOTHING: Condition = { field: 'id', op: 'eq', value: '' }

/** Turns one FILTER entry into core conditions (`[]` when it holds for every group), or an error text. */
export function conditionsOf(key: string, raw: ParamValue): Where[] | string {
  const m = /^([^A-Za-z]*)([A-Za-z_]\w*)$/.exec(key)
  if (!m) return []
  const op = OPERATORS[(m[1] ?? '') as keyof typeof OPERATORS] as FilterOp | undefined
  const field = (m[2] as string).toUpperCase()
  // The module drops operators and fields it does not know, without an error.
  if (!op) return []
  const values = Array.isArray(raw) ? raw : [raw]
  if (!values.every((v) => typeof v === 'string' || typeof v === 'number')) return `Filter ${key} takes values`
  const texts = values.map(String)
  if (op === 'between' || op === 'notBetween') {
    if (texts.length !== 2) return `Filter ${key} takes two values`
    const [low, high] = [comparison(field, 'gte', texts[0] as string), comparison(field, 'lte', texts[1] as string)]
    if (typeof low === 'string') return low
    if (typeof high === 'string') return high
    if (op === 'between') return [...low, ...high]
    // Outside the range: below it or above it.
    const below = comparison(field, 'lt', texts[0] as string)
    const above = comparison(field, 'gt', texts[1] as string)
    if (typeof below === 'string' || typeof above === 'string') return `Filter ${key} takes two values`
    return either([below[0] ?? null, above[0] ?? null])
  }
  const each = texts.map((t) => comparison(field, op, t))
  const refused = each.find((c) => typeof c === 'string')
  if (refused !== undefined) return refused
  const parts = each as Where[][]
  // A list of values: any of them for a positive operator, none of them for a negative one (`!`, `!=`, `!%`).
  if (op === 'ne' || op === 'notContains') return parts.flat()
  return either(parts.map((p) => p[0] ?? null))
}

/** Any of the alternatives (`null`: one that always holds); an empty list holds for no group. */
function either(alternatives: readonly (Where | null)[]): Where[] {
  if (alternatives.some((a) => a === null)) return []
  // An alternative that is itself a choice joins the one choice: OR of ORs.
  const conditions = (alternatives as Where[]).flatMap((a) => ('anyOf' in a ? a.anyOf : [a]))
  if (conditions.length === 0) return [NOTHING]
  return conditions.length === 1 ? conditions : [{ anyOf: conditions }]
}

/** One field compared with one value: `[]` when it holds for every group, `[NOTHING]` for none, or an error text. */
function comparison(field: string, op: Op, value: string): Where[] | string {
  if (field in ATTRIBUTE_FIELDS) {
    const { name, missing } = ATTRIBUTE_FIELDS[field as keyof typeof ATTRIBUTE_FIELDS]
    const flag = field === 'PROJECT' ? yesNo(value) : undefined
    const wanted = flag === true ? 'Y' : flag === false ? 'N' : value
    const condition: Condition = { field: 'attribute', attribute: name, op, value: wanted }
    // A group without the attribute reads as "" in the store but shows `missing`: it must match as `missing` does.
    if (missing === '' || holds(missing, op, wanted) === holds('', op, wanted)) return [condition]
    const without: Condition = {
      field: 'attribute',
      attribute: name,
      op: holds(missing, op, wanted) ? 'eq' : 'ne',
      value: '',
    }
    return holds(missing, op, wanted) ? [{ anyOf: [condition, without] }] : [condition, without]
  }
  if (field in TEXT_FIELDS) return [{ field: TEXT_FIELDS[field as keyof typeof TEXT_FIELDS], op, value }]
  if (DATES.has(field)) {
    // A date is compared, never searched in; the core refuses dates it cannot store.
    if (op === 'contains' || op === 'notContains') return `Filter ${field} cannot use %`
    const date = new Date(value)
    if (Number.isNaN(date.getTime())) return `Filter ${field} takes a date`
    return [{ field: 'createdAt', op, value: date }]
  }
  if (field === 'NUMBER_OF_MEMBERS') {
    if (op === 'contains' || op === 'notContains') return `Filter ${field} cannot use %`
    return /^\d+$/.test(value) ? [{ field: 'memberCount', op, value: Number(value) }] : `Filter ${field} takes a number`
  }
  if (field === 'VISIBLE' || field === 'OPENED' || field === 'CLOSED') {
    const flag = yesNo(value)
    if (flag === null || flag === undefined || (op !== 'eq' && op !== 'ne')) return `Filter ${field} takes Y or N`
    const wanted = op === 'ne' ? !flag : flag
    if (field === 'VISIBLE') return [{ field: 'visibility', op: 'eq', value: wanted ? 'public' : 'hidden' }]
    if (field === 'OPENED') return [{ field: 'admission', op: wanted ? 'eq' : 'ne', value: 'open' }]
    return [{ field: 'lockStatus', op: wanted ? 'ne' : 'eq', value: 'unlocked' }]
  }
  if (field in CONSTANT_FIELDS) {
    const constant = CONSTANT_FIELDS[field as keyof typeof CONSTANT_FIELDS]
    const flag = yesNo(value)
    const wanted = constant === 'Y' || constant === 'N' ? (flag === true ? 'Y' : flag === false ? 'N' : value) : value
    return holds(constant, op, wanted) ? [] : [NOTHING]
  }
  // The module ignores fields it does not know.
  return []
}

/** Whether a constant field value meets `op value` (numbers compare as numbers, text by code unit). */
function holds(actual: string, op: Op, value: string): boolean {
  const numeric = /^-?\d+$/.test(actual) && /^-?\d+$/.test(value)
  const c = numeric ? Number(actual) - Number(value) : actual < value ? -1 : actual > value ? 1 : 0
  const found = actual.toLowerCase().includes(value.toLowerCase())
  return {
    eq: c === 0,
    ne: c !== 0,
    lt: c < 0,
    lte: c <= 0,
    gt: c > 0,
    gte: c >= 0,
    contains: found,
    notContains: !found,
  }[op]
}

/** ORDER keys and the core field each sorts by; `invert` where the core's order of values runs the other way. */
const ORDER_FIELDS: Record<string, { field: OrderBy['field']; invert?: true } | null> = {
  ID: { field: 'id' },
  NAME: { field: 'name' },
  OWNER_ID: { field: 'ownerId' },
  DATE_CREATE: { field: 'createdAt' },
  NUMBER_OF_MEMBERS: { field: 'memberCount' },
  // hidden < public is N < Y; approval < invite-only < open puts Y last; A (owner) < E (owner-and-moderators).
  VISIBLE: { field: 'visibility' },
  OPENED: { field: 'admission' },
  INITIATE_PERMS: { field: 'approvers' },
  // locked… < unlocked would put Y first: CLOSED sorts the other way round.
  CLOSED: { field: 'lockStatus', invert: true },
  // Not kept: the rows show the creation time.
  DATE_UPDATE: { field: 'createdAt' },
  DATE_ACTIVITY: { field: 'createdAt' },
  // The same for every group, or an attribute (not ordered on): accepted, and the next key decides.
  ACTIVE: null,
  PROJECT: null,
  SITE_ID: null,
  SUBJECT_ID: null,
  IS_EXTRANET: null,
}

/** Bitrix24's order when ORDER is missing or not a map: ID descending. */
const DEFAULT_ORDER: OrderBy[] = [{ field: 'id', direction: 'desc' }]

/**
 * ORDER as the module reads it: a map of field → direction, where `ASC` (any case) ascends and anything else descends;
 * fields it does not know are ignored. Not a map: `ID DESC`.
 */
export function orderOf(order: ParamValue | undefined): OrderBy[] {
  if (typeof order !== 'object' || order === null || Array.isArray(order)) return DEFAULT_ORDER
  const orderBy: OrderBy[] = []
  for (const [key, value] of Object.entries(order)) {
    const target = ORDER_FIELDS[key.toUpperCase()]
    if (!target || orderBy.some((o) => o.field === target.field)) continue
    const ascending = typeof value === 'string' && value.toUpperCase() === 'ASC'
    orderBy.push({ field: target.field, direction: ascending !== Boolean(target.invert) ? 'asc' : 'desc' })
  }
  // The core takes five keys; a sixth could only break ties the first five left, and ids are unique.
  return orderBy.slice(0, 5)
}
