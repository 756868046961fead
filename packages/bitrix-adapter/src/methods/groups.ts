import type { CoreError, Inviters } from '@joinery/core'
import { toBitrixError } from '../bitrix-errors.js'
import { conditionsOf, orderOf, type Where } from '../internal/group-filter.js'
import { pageStart, positiveId, text, yesNo } from '../internal/params.js'
import { attributeField, groupFields } from '../views.js'
import { bitrixError } from '../wire/envelope.js'
import type { ParamValue } from '../wire/php-params.js'
import { answer, argumentError, listing, type Method, PAGE_SIZE } from './context.js'

const wrongGroupId = () => argumentError('Wrong group ID')

/** Cores seen making a group id that is not an integer: their `sonet_group.create` is refused from then on. */
const nonIntegerIds = new WeakSet<object>()

/** Why a core whose group ids are not integers cannot serve Bitrix24, for `onError`: names the fix. */
export function nonIntegerIdError(id: string): Error {
  return new Error(
    `The core made group id ${JSON.stringify(id)}, which is no integer: Bitrix24 clients send GROUP_ID as a number, so ` +
      'every later call on this group would answer "Wrong group ID". Build the core with ' +
      'createJoinery({ store, ids: createSequentialIdGenerator() }) (or createDatabaseIdGenerator(db) from ' +
      '@joinery/postgres-store).',
  )
}
export const asNumberIfNumeric = (id: string) => (/^\d{1,15}$/.test(id) ? Number(id) : id)

function refusedForIds(id: string) {
  return bitrixError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', { cause: nonIntegerIdError(id) })
}

/**
 * `INITIATE_PERMS` (who may invite) as the core's invite policy and approvers: A the owner alone; E the owner and
 * the moderators; K every member invites, the owner and the moderators approve (a member processes requests only
 * if allowed to invite and is owner or moderator: `CSocNetUserToGroup::InitUserPerms`).
 */
const PERMS = {
  A: { inviters: 'owner', approvers: 'owner' },
  E: { inviters: 'owner-and-moderators', approvers: 'owner-and-moderators' },
  K: { inviters: 'members', approvers: 'owner-and-moderators' },
} as const satisfies Record<string, { inviters: Inviters; approvers: 'owner' | 'owner-and-moderators' }>

/**
 * How Bitrix24 hands a group over (`CSocNetUserToGroup::SetOwner`): a non-member becomes the owner (their row of
 * any role becomes A, or one is inserted), and the old owner becomes K, a plain member.
 */
export const BITRIX_TRANSFER = { previousOwnerRole: 'member', admitNonMember: true } as const

/** The settings that create and update accept, checked before anything is written. */
function readSettings(params: Record<string, ParamValue>, on: 'create' | 'update') {
  const name = text(params.NAME)
  const description = text(params.DESCRIPTION)
  const visible = yesNo(params.VISIBLE)
  const opened = yesNo(params.OPENED)
  const closed = yesNo(params.CLOSED)
  const given = text(params.INITIATE_PERMS)
  const keywords = text(params.KEYWORDS)
  const project = yesNo(params.PROJECT)
  const subject = params.SUBJECT_ID === undefined ? undefined : positiveId(params.SUBJECT_ID)
  if (keywords === null || project === null || subject === null)
    return argumentError('Incorrect input data: KEYWORDS, PROJECT (Y or N) or SUBJECT_ID')
  // Kept as the core's descriptive attributes (ATTRIBUTE_FIELDS); an update sets only those given.
  const attributes = {
    ...(subject ? { subjectId: subject } : {}),
    ...(keywords !== undefined ? { keywords } : {}),
    ...(project !== undefined ? { project: project ? 'Y' : 'N' } : {}),
  }
  if (name === null || (name !== undefined && name.trim() === '')) return argumentError('Incorrect input data: NAME')
  if (description === null) return argumentError('Incorrect input data: DESCRIPTION')
  if (visible === null || opened === null || closed === null)
    return argumentError('Incorrect input data: VISIBLE, OPENED and CLOSED take Y or N')
  const known = given === 'A' || given === 'E' || given === 'K'
  // On create a missing or unknown value becomes K, Bitrix24's default (`CSocNetLogRestService::createGroup`);
  // an update that names an unknown one is refused rather than silently widening who may invite.
  if (on === 'update' && given !== undefined && !known)
    return argumentError('Incorrect input data: INITIATE_PERMS takes A, E or K')
  const perms = known ? PERMS[given] : on === 'create' ? PERMS.K : undefined
  return {
    patch: {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(visible !== undefined ? { visibility: visible ? ('public' as const) : ('hidden' as const) } : {}),
      ...(opened !== undefined ? { admission: opened ? ('open' as const) : ('approval' as const) } : {}),
      ...(perms ?? {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    },
    closed,
  }
}

export const groupMethods: Record<string, Method> = {
  /**
   * Creates a group (api-reference/sonet-group/sonet-group-create.md). `OWNER_ID` is honoured for a portal
   * administrator only; anyone else becomes the owner themselves, as the module does.
   */
  async 'sonet_group.create'({ joinery, user, administrator, params }) {
    if (nonIntegerIds.has(joinery)) return refusedForIds('(an earlier group)')
    const settings = readSettings(params, 'create')
    if ('error' in settings) return settings
    if (settings.patch.name === undefined) return argumentError('Incorrect input data: NAME is required')
    const owner = administrator ? positiveId(params.OWNER_ID) : null
    // CLOSED=Y: the group is born archived, in the same command, so nobody ever sees it open.
    return answer(
      joinery.createGroup({
        actor: user,
        ...(owner ? { ownerId: owner, asAdministrator: true } : {}),
        name: settings.patch.name,
        ...settings.patch,
        lockStatus: settings.closed ? 'locked' : 'unlocked',
      }),
      (group) => {
        if (/^[1-9]\d{0,14}$/.test(group.id)) return { result: Number(group.id) }
        // The handler could not see the core's id generator at construction; it refuses here, once a group shows it.
        nonIntegerIds.add(joinery)
        return refusedForIds(group.id)
      },
      'You have no permissions to create a group',
    )
  },

  /**
   * Lists the groups the caller may see (api-reference/sonet-group/sonet-group-get.md): FILTER with every documented
   * operator, list values meaning any of them, unknown operators and fields dropped; GROUP_ID sets `ID`; IS_ADMIN=Y
   * shows every group to a portal administrator; ORDER defaults to ID DESC. Only the upper-case `FILTER` and
   * `ORDER` are read, as the module reads them.
   */
  async 'sonet_group.get'({ joinery, user, administrator, params, subjects }) {
    const start = pageStart(params.start, PAGE_SIZE)
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
    const listed = await joinery.listGroups({
      viewer: user,
      // Only the exact `Y`, and only for an administrator (`CSocNetLogRestService::getGroup`).
      asAdministrator: administrator && params.IS_ADMIN === 'Y',
      where: all,
      whereAny: any,
      orderBy,
      offset: start ?? 0,
      limit: PAGE_SIZE,
    })
    if (listed.isErr()) return toBitrixError(listed.error)
    // SUBJECT_NAME from the portal's subjects (the module joins the subject table); an unknown subject shows "".
    const names = new Map<string, string>()
    for (const group of listed.value.groups) {
      const id = attributeField(group, 'SUBJECT_ID')
      if (!names.has(id)) names.set(id, (await subjects.get(Number(id)))?.name ?? '')
    }
    const rows = listed.value.groups.map((g) => groupFields(g, names.get(attributeField(g, 'SUBJECT_ID'))))
    return listing(rows, start, listed.value.total)
  },

  /**
   * Changes a group (owner or portal administrator). `OWNER_ID` hands the group over as `sonet_group.setowner`
   * does, in the same step (the module writes only the column: see the README's compatibility table).
   */
  async 'sonet_group.update'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    const settings = readSettings(params, 'update')
    if ('error' in settings) return settings
    const newOwner = params.OWNER_ID === undefined ? undefined : positiveId(params.OWNER_ID)
    if (newOwner === null) return argumentError('Incorrect input data: OWNER_ID')
    // One command: CLOSED=N unlocks before the other changes apply, CLOSED=Y archives after them, and with nothing to
    // change the core still answers whether the group exists and the caller owns it.
    const lock =
      settings.closed === undefined ? {} : { lockStatus: settings.closed ? ('locked' as const) : ('unlocked' as const) }
    const owner = newOwner ? { newOwnerId: newOwner, transfer: BITRIX_TRANSFER } : {}
    const updated = await joinery.updateGroup({
      actor: user,
      groupId,
      asAdministrator: administrator,
      ...settings.patch,
      ...lock,
      ...owner,
    })
    if (updated.isErr()) return setOwnerError(updated.error, 'User has no permissions to update group')
    return { result: asNumberIfNumeric(groupId) }
  },

  async 'sonet_group.delete'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return wrongGroupId()
    return answer(
      joinery.deleteGroup({ actor: user, groupId, asAdministrator: administrator }),
      () => ({ result: true }),
      'User has no permissions to delete group',
    )
  },

  /**
   * Hands the group over (api-reference/sonet-group/sonet-group-setowner.md; `CSocNetUserToGroup::SetOwner`): by the
   * owner or a portal administrator; a non-member becomes the owner, the old owner a plain member (K).
   */
  async 'sonet_group.setowner'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return argumentError('Invalid workgroup/project ID')
    const newOwnerId = positiveId(params.USER_ID)
    if (!newOwnerId) return argumentError('Invalid user ID')
    const moved = await joinery.transferOwnership({
      actor: user,
      groupId,
      newOwnerId,
      asAdministrator: administrator,
      ...BITRIX_TRANSFER,
    })
    if (moved.isErr()) return setOwnerError(moved.error, 'Insufficient permissions to complete the operation.')
    return { result: true }
  },
}

function setOwnerError(error: CoreError, accessDenied: string) {
  if (error.code === 'UserBanned') return argumentError('Invalid user ID: the user is banned from the group')
  return toBitrixError(error, accessDenied)
}
