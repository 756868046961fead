import type { Group } from '../domain/group.js'
import type {
  GroupAnyOf,
  GroupAttributeCondition,
  GroupCondition,
  GroupField,
  GroupQuery,
} from '../ports/membership-store.js'

const DECIMAL = /^-?\d+$/

/** Compares two field values as the store port's contract says (numeric ids, Dates by time). */
export function compareField(field: GroupField, a: unknown, b: unknown): number {
  if (a instanceof Date || b instanceof Date) return new Date(a as Date).getTime() - new Date(b as Date).getTime()
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const sa = String(a)
  const sb = String(b)
  if (field === 'id' && DECIMAL.test(sa) && DECIMAL.test(sb)) {
    const diff = BigInt(sa) - BigInt(sb)
    return diff === 0n ? 0 : diff < 0n ? -1 : 1
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

export function matches(group: Group, condition: GroupCondition | GroupAttributeCondition | GroupAnyOf): boolean {
  if ('anyOf' in condition) return condition.anyOf.some((c) => matches(group, c))
  const attribute = 'attribute' in condition
  const actual = attribute ? (group.attributes?.[condition.attribute] ?? '') : group[condition.field]
  if (condition.op === 'contains' || condition.op === 'notContains') {
    const found = String(actual).toLowerCase().includes(String(condition.value).toLowerCase())
    return condition.op === 'contains' ? found : !found
  }
  // Attributes compare as ids do: as numbers when both sides are decimal integers.
  const c = compareField(attribute ? 'id' : condition.field, actual, condition.value)
  switch (condition.op) {
    case 'eq':
      return c === 0
    case 'ne':
      return c !== 0
    case 'lt':
      return c < 0
    case 'lte':
      return c <= 0
    case 'gt':
      return c > 0
    case 'gte':
      return c >= 0
  }
}

/** Filters, orders and pages groups in memory, as `StoreTx.listGroups` must. */
export function queryGroups(groups: Iterable<Group>, isVisible: (group: Group) => boolean, query: GroupQuery) {
  const kept = [...groups].filter((g) => isVisible(g) && query.conditions.every((c) => matches(g, c)))
  kept.sort((a, b) => {
    for (const { field, direction } of query.order) {
      const c = compareField(field, a[field], b[field])
      if (c !== 0) return direction === 'asc' ? c : -c
    }
    return compareField('id', a.id, b.id)
  })
  return { groups: kept.slice(query.offset, query.offset + query.limit), total: kept.length }
}
