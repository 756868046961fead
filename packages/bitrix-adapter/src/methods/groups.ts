import type { CoreError, ListGroupsInput } from '@joinery/core'
import { toBitrixError } from '../bitrix-errors.js'
import { positiveId, startOffset, text, yesNo } from '../internal/params.js'
import { groupFields } from '../views.js'
import { bitrixError } from '../wire/envelope.js'
import type { ParamValue } from '../wire/php-params.js'
import { answer, argumentError, listing, type Method, PAGE_SIZE } from './context.js'

type Where = NonNullable<ListGroupsInput['where']>[number]
type OrderField = NonNullable<ListGroupsInput['orderBy']>[number]['field']

const wrongGroupId = () => argumentError('Wrong group ID')
const asNumberIfNumeric = (id: string) => (/^\d{1,15}$/.test(id) ? Number(id) : id)

/** The settings that create and update accept, checked before anything is written. */
function readSettings(params: Record<string, ParamValue>) {
  const name = text(params.NAME)
  const description = text(params.DESCRIPTION)
  const visible = yesNo(params.VISIBLE)
  const opened = yesNo(params.OPENED)
  const closed = yesNo(params.CLOSED)
  const perms = text(params.INITIATE_PERMS)
  if (name === null || (name !== undefined && name.trim() === '')) return argumentError('Incorrect input data: NAME')
  if (description === null) return argumentError('Incorrect input data: DESCRIPTION')
  if (visible === null || opened === null || closed === null)
    return argumentError('Incorrect input data: VISIBLE, OPENED and CLOSED take Y or N')
  if (perms !== undefined && (perms === null || !['A', 'E', 'K'].includes(perms)))
    return argumentError('Incorrect input data: INITIATE_PERMS takes A, E or K')
  return {
    patch: {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(visible !== undefined ? { visibility: visible ? ('public' as const) : ('hidden' as const) } : {}),
      ...(opened !== undefined ? { admission: opened ? ('open' as const) : ('approval' as const) } : {}),
      ...(perms ? { approvers: perms === 'A' ? ('owner' as const) : ('owner-and-moderators' as const) } : {}),
    },
    closed,
  }
}

/** sonet_group.get FILTER keys: an optional operator prefix and a field. */
const FILTER_KEY = /^(!|>=|<=|>|<|%|=)?([A-Z_]+)$/
const OPS = { '': 'eq', '=': 'eq', '!': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '%': 'contains' } as const
const PLAIN_FIELDS = {
  ID: 'id',
  NAME: 'name',
  OWNER_ID: 'ownerId',
  DATE_CREATE: 'createdAt',
  NUMBER_OF_MEMBERS: 'memberCount',
} as const
const ORDER_FIELDS = {
  ...PLAIN_FIELDS,
  VISIBLE: 'visibility',
  OPENED: 'admission',
  CLOSED: 'lockStatus',
  INITIATE_PERMS: 'approvers',
} as const

/** Turns one FILTER entry into core conditions, or an error text. */
function conditionsOf(key: string, raw: ParamValue): Where[] | string {
  const m = FILTER_KEY.exec(key.toUpperCase())
  if (!m) return `Unknown filter ${key}`
  const op = OPS[(m[1] ?? '') as keyof typeof OPS]
  const field = m[2] as string
  if (typeof raw !== 'string' && typeof raw !== 'number') return `Filter ${key} takes one value`
  const value = String(raw)
  if (field in PLAIN_FIELDS) {
    const core = PLAIN_FIELDS[field as keyof typeof PLAIN_FIELDS]
    if (core !== 'createdAt' && core !== 'memberCount') return [{ field: core, op, value }]
    // A date or a count is compared, never searched in; the core refuses dates and counts it cannot store.
    if (op === 'contains') return `Filter ${key} cannot use %`
    if (core === 'createdAt') {
      const date = new Date(value)
      return Number.isNaN(date.getTime()) ? `Filter ${key} takes a date` : [{ field: core, op, value: date }]
    }
    return /^\d+$/.test(value) ? [{ field: core, op, value: Number(value) }] : `Filter ${key} takes a number`
  }
  // Flags: Y/N, optionally negated with "!".
  const flag = yesNo(value)
  if (flag === null || flag === undefined || (op !== 'eq' && op !== 'ne')) return `Filter ${key} takes Y or N`
  const wanted = op === 'ne' ? !flag : flag
  switch (field) {
    case 'VISIBLE':
      return [{ field: 'visibility', op: 'eq', value: wanted ? 'public' : 'hidden' }]
    case 'OPENED':
      return [{ field: 'admission', op: wanted ? 'eq' : 'ne', value: 'open' }]
    case 'CLOSED':
      return [{ field: 'lockStatus', op: wanted ? 'ne' : 'eq', value: 'unlocked' }]
    case 'ACTIVE':
      // Every group here is active.
      return wanted ? [] : [{ field: 'id', op: 'eq', value: '' }]
    case 'PROJECT':
      return wanted ? [{ field: 'id', op: 'eq', value: '' }] : []
    default:
      return `Unknown filter ${key}`
  }
}

export const groupMethods: Record<string, Method> = {
  async 'sonet_group.create'({ joinery, user, params }) {
    const settings = readSettings(params)
    if ('error' in settings) return settings
    if (settings.patch.name === undefined) return argumentError('Incorrect input data: NAME is required')
    const owner = positiveId(params.OWNER_ID)
    if (params.OWNER_ID !== undefined && owner !== user) {
      return bitrixError(400, 'ACCESS_DENIED', 'You have no permissions to create a group for another owner')
    }
    // CLOSED=Y: the group is born archived, in the same command, so nobody ever sees it open.
    return answer(
      joinery.createGroup({
        actor: user,
        name: settings.patch.name,
        ...settings.patch,
        lockStatus: settings.closed ? 'locked' : 'unlocked',
      }),
      (group) => ({ result: asNumberIfNumeric(group.id) }),
      'You have no permissions to create a group',
    )
  },

  async 'sonet_group.get'({ joinery, user, params }) {
    const start = startOffset(params.START)
    if (start === null) return argumentError('Incorrect input data: start')
    const filter = params.FILTER ?? {}
    const order = params.ORDER ?? {}
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      return argumentError('FILTER must be a map')
    if (typeof order !== 'object' || order === null || Array.isArray(order)) return argumentError('ORDER must be a map')
    const where: Where[] = []
    for (const [key, value] of Object.entries(filter)) {
      const conditions = conditionsOf(key, value)
      if (typeof conditions === 'string') return argumentError(conditions)
      where.push(...conditions)
    }
    const orderBy: { field: OrderField; direction: 'asc' | 'desc' }[] = []
    for (const [key, value] of Object.entries(order)) {
      const field = ORDER_FIELDS[key.toUpperCase() as keyof typeof ORDER_FIELDS]
      const direction = String(value).toLowerCase()
      if (!field || (direction !== 'asc' && direction !== 'desc')) return argumentError(`Incorrect ORDER ${key}`)
      orderBy.push({ field, direction })
    }
    return answer(
      joinery.listGroups({ viewer: user, where, orderBy, offset: start, limit: PAGE_SIZE }),
      ({ groups, total }) => listing(groups.map(groupFields), start, total),
    )
  },

  async 'sonet_group.update'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const settings = readSettings(params)
    if ('error' in settings) return settings
    // One command: CLOSED=N unlocks before the other changes apply, CLOSED=Y archives after them, and with nothing to
    // change the core still answers whether the group exists and the caller owns it.
    const lock =
      settings.closed === undefined ? {} : { lockStatus: settings.closed ? ('locked' as const) : ('unlocked' as const) }
    return answer(
      joinery.updateGroup({ actor: user, groupId, ...settings.patch, ...lock }),
      () => ({ result: asNumberIfNumeric(groupId) }),
      'User has no permissions to update group',
    )
  },

  async 'sonet_group.delete'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    return answer(
      joinery.deleteGroup({ actor: user, groupId }),
      () => ({ result: true }),
      'User has no permissions to delete group',
    )
  },

  async 'sonet_group.setowner'({ joinery, user, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return argumentError('Invalid workgroup/project ID')
    const newOwnerId = positiveId(params.USER_ID)
    if (!newOwnerId) return argumentError('Invalid user ID')
    const moved = await joinery.transferOwnership({ actor: user, groupId, newOwnerId })
    if (moved.isErr()) return setOwnerError(moved.error)
    return { result: true }
  },
}

function setOwnerError(error: CoreError) {
  if (error.code === 'NotAMember') return argumentError('Invalid user ID: the new owner must be a member of the group')
  return toBitrixError(error, 'Insufficient permissions to complete the operation.')
}
