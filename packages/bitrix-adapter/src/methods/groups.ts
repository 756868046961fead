import type { CoreError } from '@joinery/core'
import { toBitrixError } from '../bitrix-errors.js'
import { conditionsOf, orderOf, type Where } from '../internal/group-filter.js'
import { positiveId, startOffset, text, yesNo } from '../internal/params.js'
import { groupFields } from '../views.js'
import { bitrixError } from '../wire/envelope.js'
import type { ParamValue } from '../wire/php-params.js'
import { answer, argumentError, listing, type Method, PAGE_SIZE } from './context.js'

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

  /**
   * Lists the groups the caller may see (api-reference/sonet-group/sonet-group-get.md): FILTER with every documented
   * operator, list values meaning any of them, unknown operators and fields dropped; GROUP_ID sets `ID`; IS_ADMIN
   * needs a social-network administrator, which this adapter has none of, so it is ignored; ORDER defaults to ID DESC.
   */
  async 'sonet_group.get'({ joinery, user, params }) {
    const start = startOffset(params.START)
    if (start === undefined) return argumentError('Incorrect input data: start')
    const filter = params.FILTER ?? {}
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      return argumentError('FILTER must be a map')
    const entries = Object.entries(filter)
    const groupId = positiveId(params.GROUP_ID)
    const where: Where[] = []
    for (const [key, value] of groupId
      ? [...entries.filter(([k]) => k.toUpperCase() !== 'ID'), ['ID', groupId] as const]
      : entries) {
      const conditions = conditionsOf(key, value)
      if (typeof conditions === 'string') return argumentError(conditions)
      where.push(...conditions)
    }
    const orderBy = orderOf(params.ORDER)
    const all = where.flatMap((w) => ('anyOf' in w ? [] : [w]))
    const any = where.flatMap((w) => ('anyOf' in w ? [[...w.anyOf]] : []))
    return answer(
      joinery.listGroups({ viewer: user, where: all, whereAny: any, orderBy, offset: start ?? 0, limit: PAGE_SIZE }),
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
