import type { Group } from '@joinery/core'
import { conditionsOf, orderOf, type Where } from '../internal/group-filter.js'
import { exactStart, positiveId } from '../internal/params.js'
import { attributeField, bitrixDate, groupFields, initiatePerms } from '../views.js'
import type { MethodSuccess } from '../wire/envelope.js'
import type { ParamValue } from '../wire/php-params.js'
import { answer, argumentError, type Method, PAGE_SIZE } from './context.js'

/** `sonet_group.get`'s upper-case field → the camelCase key `socialnetwork.api.workgroup.list` answers it under. */
const camel = (field: string) => field.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** The selectable fields (api-reference/sonet-group/socialnetwork-api-workgroup-list.md) and their values here. */
function selectable(group: Group): Record<string, string | null> {
  const row = groupFields(group)
  return {
    ID: row.ID,
    ACTIVE: row.ACTIVE,
    SUBJECT_ID: row.SUBJECT_ID,
    NAME: row.NAME,
    DESCRIPTION: row.DESCRIPTION,
    KEYWORDS: row.KEYWORDS,
    CLOSED: row.CLOSED,
    VISIBLE: row.VISIBLE,
    OPENED: row.OPENED,
    PROJECT: row.PROJECT,
    LANDING: 'N',
    DATE_CREATE: row.DATE_CREATE,
    DATE_UPDATE: row.DATE_UPDATE,
    DATE_ACTIVITY: row.DATE_ACTIVITY,
    IMAGE_ID: null,
    AVATAR_TYPE: null,
    OWNER_ID: row.OWNER_ID,
    NUMBER_OF_MEMBERS: row.NUMBER_OF_MEMBERS,
    INITIATE_PERMS: initiatePerms(group),
    TYPE: row.PROJECT === 'Y' ? 'project' : 'group',
    AVATAR: '',
  }
}

/** The site's date format of the `socialnetwork.api.workgroup.get` row (`04/17/2025 19:37:55`), in UTC here. */
function siteDate(date: Date): string {
  const iso = bitrixDate(date)
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`
}

const isMap = (v: ParamValue | undefined): v is Record<string, ParamValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The `socialnetwork.api.*` workgroup methods (scope `socialnetwork`): ORM-style lists with lower-case names. */
export const workgroupApiMethods: Record<string, Method> = {
  /**
   * One group as the workgroup controller answers it (api-reference/sonet-group/socialnetwork-api-workgroup-get.md):
   * `params: {groupId}`; integers stay integers, `INITIATE_PERMS` is present, dates in the site format. A portal
   * administrator sees any group.
   */
  async 'socialnetwork.api.workgroup.get'({ joinery, user, administrator, params }) {
    const options = isMap(params.params) ? params.params : {}
    const groupId = positiveId(options.groupId)
    if (!groupId) return argumentError('Wrong socialnetwork group ID')
    const read = administrator
      ? joinery.listGroups({ asAdministrator: true, where: [{ field: 'id', op: 'eq', value: groupId }], limit: 1 })
      : joinery.listGroups({ viewer: user, where: [{ field: 'id', op: 'eq', value: groupId }], limit: 1 })
    return answer(read, ({ groups }) => {
      const group = groups[0]
      if (!group) return argumentError('Socialnetwork group not found')
      const number = (id: string) => (/^\d{1,15}$/.test(id) ? Number(id) : id)
      return {
        result: {
          ID: number(group.id),
          SITE_ID: 's1',
          NAME: group.name,
          DESCRIPTION: group.description,
          DATE_CREATE: siteDate(group.createdAt),
          DATE_UPDATE: siteDate(group.createdAt),
          DATE_ACTIVITY: siteDate(group.createdAt),
          ACTIVE: 'Y',
          VISIBLE: group.visibility === 'public' ? 'Y' : 'N',
          OPENED: group.admission === 'open' ? 'Y' : 'N',
          CLOSED: group.lockStatus === 'unlocked' ? 'N' : 'Y',
          SUBJECT_ID: Number(attributeField(group, 'SUBJECT_ID')),
          OWNER_ID: number(group.ownerId),
          KEYWORDS: attributeField(group, 'KEYWORDS'),
          NUMBER_OF_MEMBERS: group.memberCount,
          INITIATE_PERMS: initiatePerms(group),
          PROJECT: attributeField(group, 'PROJECT'),
          TYPE: attributeField(group, 'PROJECT') === 'Y' ? 'project' : 'group',
          SITE_IDS: ['s1'],
        },
      }
    })
  },

  /**
   * Groups as the workgroup controller lists them (api-reference/sonet-group/socialnetwork-api-workgroup-list.md):
   * lower-case `filter`, `select` (only `ID` when empty), `order`, `params.IS_ADMIN`, `start`; the page is
   * `{workgroups: [...]}` with camelCase keys; `start` is an exact offset, and `-1` answers without `total`. So the
   * official SDK's `callList`/`fetchList` (lower-case `filter`/`order`, `start: -1`) read every group here with
   * `idKey: 'id', cursorIdKey: 'ID', customKeyForResult: 'workgroups'`.
   */
  async 'socialnetwork.api.workgroup.list'({ joinery, user, administrator, params }) {
    const start = exactStart(params.start)
    const filter = isMap(params.filter) ? params.filter : {}
    const where: Where[] = []
    for (const [key, value] of Object.entries(filter)) {
      const conditions = conditionsOf(key, value)
      if (typeof conditions === 'string') return argumentError(conditions)
      where.push(...conditions)
    }
    const select = Array.isArray(params.select) ? params.select.filter((f) => typeof f === 'string') : []
    const fields = select.length === 0 ? ['ID'] : select.map((f) => f.toUpperCase())
    const options = isMap(params.params) ? params.params : {}
    const order = orderOf(isMap(params.order) ? params.order : { ID: 'ASC' })
    return answer(
      joinery.listGroups({
        viewer: user,
        asAdministrator: administrator && options.IS_ADMIN === 'Y',
        where: where.flatMap((w) => ('anyOf' in w ? [] : [w])),
        whereAny: where.flatMap((w) => ('anyOf' in w ? [[...w.anyOf]] : [])),
        orderBy: order,
        offset: start ?? 0,
        limit: PAGE_SIZE,
      }),
      ({ groups, total }): MethodSuccess => {
        const workgroups = groups.map((group) => {
          const all = selectable(group)
          return Object.fromEntries(fields.filter((f) => f in all).map((f) => [camel(f), all[f] ?? null]))
        })
        if (start === null) return { result: { workgroups } }
        const next = start + groups.length
        return next < total ? { result: { workgroups }, total, next } : { result: { workgroups }, total }
      },
    )
  },
}
