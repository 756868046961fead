import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METHODS } from './handler.js'
import { codeOf, startTestPortal, type TestPortal } from './internal/test-portal.js'

// No existence oracle: to a caller who is not a member, a hidden group (VISIBLE=N) answers every method exactly as a
// group that does not exist, byte for byte (status and body; the envelope's timing is only in successes).
let portal: TestPortal
beforeAll(async () => {
  portal = await startTestPortal({ rateLimit: false })
  await portal.call('1', 'sonet_group.create', { NAME: 'Secret', VISIBLE: 'N', OPENED: 'N' })
  // User 3 is invited (an invitation is a request they hold): they may still withdraw it.
  await portal.call('1', 'sonet_group.user.invite', { GROUP_ID: 1, USER_ID: [3] })
})
afterAll(() => portal.close())

async function raw(user: string, method: string, groupId: number): Promise<string> {
  const res = await fetch(`${portal.httpUrl}/rest/${user}/${codeOf(user)}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ GROUP_ID: groupId, ID: groupId, USER_ID: 1, NAME: 'x', ROLE: 'E', MESSAGE: 'hi' }),
  })
  return `${res.status} ${await res.text()}`
}

describe('a hidden group and a missing one answer a non-member alike', () => {
  it('sonet_group.user.request.withdraw: the same status and body for a hidden group as for a missing one', async () => {
    const hidden = await raw('2', 'sonet_group.user.request.withdraw', 1)
    const missing = await raw('2', 'sonet_group.user.request.withdraw', 999)
    expect(hidden).toBe(missing)
    expect(hidden).toMatch(/^400 .*ERROR_GROUP_NOT_FOUND/)
    // The invitee still withdraws (declines) the invitation they hold.
    expect(await raw('3', 'sonet_group.user.request.withdraw', 1)).toMatch(/^200 \{"result":true/)
  })

  const scoped = Object.keys(METHODS).filter(
    (m) =>
      ![
        'sonet_group.create',
        'sonet_group.get',
        'sonet_group.user.groups',
        // Not about one group (subjects are the portal's).
        'scope',
        'methods',
        'profile',
        'user.current',
        'socialnetwork.api.workgroup.list',
        'sonet_group_subject.get',
        'sonet_group_subject.add',
        'sonet_group_subject.update',
        'sonet_group_subject.delete',
      ].includes(m),
  )
  it.each(scoped)('%s: the same status and body for a hidden group as for a missing one', async (method) => {
    expect(await raw('2', method, 1)).toBe(await raw('2', method, 999))
  })
})
