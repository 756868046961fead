import type { Role } from '@joinery/core'
import { positiveId } from '../internal/params.js'
import { bitrixDate } from '../views.js'
import { answer, argumentError, type Method } from './context.js'

/**
 * The features of `sonet_group.feature.access` and the least role each operation needs here
 * (api-reference/sonet-group/sonet-group-feature-access.md lists the features and operations). Joinery keeps no
 * per-feature rights: viewing needs a member (or, in a visible group, nobody), writing a member, moderating a
 * moderator, managing the owner, as a new portal group's defaults roughly are.
 */
type Need = 'visible' | Role
const FEATURES: Record<string, Record<string, Need>> = {
  photo: { view: 'visible', write: 'moderator' },
  calendar: { view: 'visible', write: 'moderator' },
  tasks: {
    view: 'visible',
    view_all: 'member',
    sort: 'member',
    create_tasks: 'member',
    edit_tasks: 'moderator',
    delete_tasks: 'moderator',
  },
  files: { view: 'visible', write: 'member' },
  blog: {
    view_post: 'visible',
    premoderate_post: 'member',
    write_post: 'member',
    moderate_post: 'moderator',
    full_post: 'owner',
    view_comment: 'visible',
    premoderate_comment: 'member',
    write_comment: 'member',
    moderate_comment: 'moderator',
    full_comment: 'owner',
  },
}
const RANK: Record<Role, number> = { member: 1, moderator: 2, owner: 3 }

/** The scopes of the methods answered, as a portal names them (`scope.md`; the module registers `sonet_group`). */
const SCOPES = ['sonet_group', 'socialnetwork', 'user'] as const

/** The first calls of an integration: `scope`, `methods`, `profile` (scope-free) and `user.current`. */
export const portalMethods = {
  /** The scopes granted (api-reference/common/scope.md); `full` lists the portal's, the same ones here. */
  async scope() {
    return { result: [...SCOPES] }
  },

  /**
   * The methods answered (api-reference/common/methods.md; deprecated there for `method.get`), standard ones only:
   * the extensions are not Bitrix24 methods. `scope` narrows to one scope.
   */
  async methods({ params, catalogue }) {
    const scope = typeof params.scope === 'string' ? params.scope : null
    const names = Object.entries(catalogue)
      .filter(([, entry]) => !entry.extension && (scope === null || entry.scope === scope))
      .map(([name]) => name)
    return { result: names }
  },

  /**
   * The caller (api-reference/common/users/profile.md; `CRestProvider::getProfile`): `ADMIN` a boolean, the time zone
   * offset in seconds. The adapter knows users by id only: names are empty.
   */
  async profile({ user, administrator }) {
    return {
      result: {
        ID: user,
        ADMIN: administrator,
        NAME: '',
        LAST_NAME: '',
        PERSONAL_GENDER: '',
        TIME_ZONE: '',
        TIME_ZONE_OFFSET: 0,
      },
    }
  },

  /**
   * The caller's user record (api-reference/user/user-current.md): `ID` a string, `ACTIVE` a boolean, empty fields
   * `""`. The adapter keeps no user records: only the id is real.
   */
  async 'user.current'({ user }) {
    return {
      result: {
        ID: user,
        XML_ID: '',
        ACTIVE: true,
        NAME: '',
        LAST_NAME: '',
        SECOND_NAME: '',
        EMAIL: '',
        LAST_LOGIN: '',
        DATE_REGISTER: bitrixDate(new Date(0)),
        IS_ONLINE: 'N',
        TIME_ZONE_OFFSET: '0',
        LAST_ACTIVITY_DATE: '',
        UF_DEPARTMENT: [],
      },
    }
  },
} as const satisfies Record<string, Method>

export const featureMethods: Record<string, Method> = {
  /**
   * Whether the caller may run a feature's operation in the group (api-reference/sonet-group/sonet-group-feature-access.md):
   * `true` or `false`; a group the caller cannot see (or none) is `false`, as the module's permission check answers.
   */
  async 'sonet_group.feature.access'({ joinery, user, administrator, params }) {
    const groupId = positiveId(params.GROUP_ID)
    if (!groupId) return argumentError('Wrong socialnetwork group ID')
    const feature = typeof params.FEATURE === 'string' ? params.FEATURE.trim() : ''
    const operations = Object.hasOwn(FEATURES, feature) ? FEATURES[feature] : undefined
    if (!operations) return argumentError('Wrong feature')
    const operation = typeof params.OPERATION === 'string' ? params.OPERATION.trim() : ''
    const need = Object.hasOwn(operations, operation) ? operations[operation] : undefined
    if (!need) return argumentError('Wrong operation')
    if (administrator) return { result: true }
    const view = await joinery.getGroup({ viewer: user, groupId })
    if (view.isErr() && view.error.code === 'GroupNotFound') return { result: false }
    return answer(view, ({ group, viewerMembership }) => {
      if (need === 'visible') return { result: viewerMembership !== null || group.visibility === 'public' }
      return { result: viewerMembership !== null && RANK[viewerMembership.role] >= RANK[need] }
    })
  },
}
