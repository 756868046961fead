import { pageStart, positiveId, text } from '../internal/params.js'
import type { Subject } from '../subjects.js'
import { bitrixError } from '../wire/envelope.js'
import type { ParamValue } from '../wire/php-params.js'
import { argumentError, listing, type Method, PAGE_SIZE } from './context.js'

const DEFAULT_SITE = 's1'
const denied = (description: string) => bitrixError(400, 'ACCESS_DENIED', description)
const notFound = () => bitrixError(400, 'ERROR_NOT_FOUND', 'Socialnetwork group subject not found')

/** SITE_ID as one site or a list of sites; `undefined` when absent, `null` when unreadable. */
function sitesOf(value: ParamValue | undefined): string[] | undefined | null {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return undefined
  const list = Array.isArray(value) ? value : [value]
  return list.every((v) => typeof v === 'string' && v !== '') ? (list as string[]) : null
}

/** NAME and SORT of an add or update; `undefined` fields were not given. */
function fieldsOf(params: Record<string, ParamValue>) {
  const name = text(params.NAME)
  const sort = params.SORT === undefined ? undefined : Number(params.SORT)
  const siteIds = sitesOf(params.SITE_ID)
  if (name === null || (name !== undefined && name.trim() === '')) return argumentError('Incorrect input data: NAME')
  if (sort !== undefined && !Number.isSafeInteger(sort)) return argumentError('Incorrect input data: SORT')
  if (siteIds === null) return argumentError('Incorrect input data: SITE_ID')
  return { name, sort, siteIds }
}

const row = (s: Subject) => ({ ID: String(s.id), NAME: s.name, SITE_ID: [...s.siteIds] })

/**
 * The portal's workgroup subjects (`CSocNetLogRestService::getGroupSubject`, `addGroupSubject`,
 * `updateGroupSubject`, `deleteGroupSubject`; the docs keep only their events, as outdated). Kept in the adapter's
 * `subjects` port, not in the core: they are portal data, not membership.
 */
export const subjectMethods: Record<string, Method> = {
  /** One site's subjects (`SITE_ID`, default `s1`), by `SORT` then `ID`, or one (`SUBJECT_ID`); pages of 50. */
  async 'sonet_group_subject.get'({ subjects, params }) {
    const start = pageStart(params.start, PAGE_SIZE)
    const site = typeof params.SITE_ID === 'string' && params.SITE_ID !== '' ? params.SITE_ID : DEFAULT_SITE
    const id = positiveId(params.SUBJECT_ID)
    const all = (await subjects.list(site)).filter((s) => id === null || String(s.id) === id)
    const order = params.ORDER
    const byName = typeof order === 'object' && order !== null && !Array.isArray(order) && 'NAME' in order
    const sorted = byName ? [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)) : all
    const page = sorted.slice(start ?? 0, (start ?? 0) + PAGE_SIZE)
    return listing(page.map(row), start, sorted.length)
  },

  /** Adds a subject (portal administrators only): `NAME`, `SORT`, `SITE_ID` (default the portal's site). */
  async 'sonet_group_subject.add'({ subjects, administrator, params }) {
    if (!administrator) return denied('User has no permissions to add group subject')
    const fields = fieldsOf(params)
    if ('error' in fields) return fields
    if (fields.name === undefined) return argumentError('Incorrect input data: NAME')
    const added = await subjects.add({
      name: fields.name,
      sort: fields.sort ?? 100,
      siteIds: fields.siteIds ?? [DEFAULT_SITE],
    })
    return { result: { SUBJECT_ID: added.id } }
  },

  /** Changes a subject: a missing one is refused before the administrator check, as the module does. */
  async 'sonet_group_subject.update'({ subjects, administrator, params }) {
    const id = positiveId(params.SUBJECT_ID)
    if (!id) return argumentError('Wrong group subject ID')
    if (!(await subjects.get(Number(id)))) return notFound()
    if (!administrator) return denied('User has no permissions to update group subject')
    const fields = fieldsOf(params)
    if ('error' in fields) return fields
    const { name, sort, siteIds } = fields
    await subjects.update(Number(id), {
      ...(name !== undefined ? { name } : {}),
      ...(sort !== undefined ? { sort } : {}),
      ...(siteIds !== undefined ? { siteIds } : {}),
    })
    return { result: Number(id) }
  },

  /** Deletes a subject; a site's sole subject is refused before the administrator check, as the module does. */
  async 'sonet_group_subject.delete'({ subjects, administrator, params }) {
    const id = positiveId(params.SUBJECT_ID)
    if (!id) return argumentError('Wrong group subject ID')
    const subject = await subjects.get(Number(id))
    if (!subject) return notFound()
    for (const site of subject.siteIds) {
      if ((await subjects.list(site)).length <= 1)
        return bitrixError(400, 'ERROR_CORE', `Cannot delete the sole group subject for site (${site})`)
    }
    if (!administrator) return denied('User has no permissions to delete group subject')
    await subjects.remove(Number(id))
    return { result: true }
  },
}
