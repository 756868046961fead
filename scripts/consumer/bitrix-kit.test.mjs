// A consumer's own unit test of code that calls a Bitrix24 portal, against the stand-in from the packed kit.
import { startStandInPortal } from '@joinery/bitrix-adapter/testing'
import { afterAll, expect, it } from 'vitest'

const portal = await startStandInPortal()
afterAll(() => portal.close())

it('creates a workgroup and lets a user ask to join, through the official SDK', async () => {
  const created = await portal
    .hook(1)
    .actions.v2.call.make({ method: 'sonet_group.create', params: { NAME: 'Climbers', OPENED: 'Y' } })
  const groupId = created.getData()?.result
  await portal.hook(2).actions.v2.call.make({ method: 'sonet_group.user.request', params: { GROUP_ID: groupId } })
  const members = await portal.hook(1).actions.v2.call.make({ method: 'sonet_group.user.get', params: { ID: groupId } })
  expect(members.getData()?.result.map((m) => m.USER_ID)).toEqual(['1', '2'])
})
