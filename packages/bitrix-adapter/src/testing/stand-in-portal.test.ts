import { globalAgent } from 'node:https'
import { afterEach, describe, expect, it } from 'vitest'
import { type StandInPortal, startStandInPortal } from './index.js'

const portals: StandInPortal[] = []
afterEach(async () => {
  await Promise.all(portals.splice(0).map((portal) => portal.close()))
})

async function portal() {
  const started = await startStandInPortal()
  portals.push(started)
  return started
}

describe(startStandInPortal, () => {
  it('answers the official SDK over HTTPS with no SDK internals touched: create, join by request, list', async () => {
    const { hook, joinery } = await portal()
    const created = await hook(1).actions.v2.call.make<number>({
      method: 'sonet_group.create',
      params: { NAME: 'Climbers', OPENED: 'Y', VISIBLE: 'Y' },
    })
    const groupId = created.getData()?.result as number
    expect(groupId).toBe(1)

    await hook(2).actions.v2.call.make({ method: 'sonet_group.user.request', params: { GROUP_ID: groupId } })
    const members = await hook(1).actions.v2.call.make<{ USER_ID: string }[]>({
      method: 'sonet_group.user.get',
      params: { ID: groupId },
    })
    expect((members.getData()?.result ?? []).map((m) => m.USER_ID)).toEqual(['1', '2'])
    // State a test seeds or checks through the core, for what no REST method sets or shows.
    expect((await joinery.getGroup({ viewer: '1', groupId: String(groupId) }))._unsafeUnwrap().group.memberCount).toBe(
      2,
    )
  })

  it('has user 1 as its administrator, as a portal has its first user: only they add members directly', async () => {
    const { hook } = await portal()
    const created = await hook(2).actions.v2.call.make<number>({ method: 'sonet_group.create', params: { NAME: 'X' } })
    const GROUP_ID = created.getData()?.result as number
    const add = (user: number) =>
      hook(user).actions.v2.call.make<string[]>({ method: 'sonet_group.user.add', params: { GROUP_ID, USER_ID: 3 } })
    await expect(add(2)).rejects.toMatchObject({ code: 'ACCESS_DENIED' })
    expect((await add(1)).getData()?.result).toEqual(['3'])
  })

  it("runs the SDK's list helper and refuses a wrong webhook code", async () => {
    const { hook, url } = await portal()
    for (const name of ['A', 'B', 'C']) {
      await hook(1).actions.v2.call.make({ method: 'sonet_group.create', params: { NAME: name } })
    }
    const listed = await hook(1).actions.v2.callList.make<{ NAME: string }>({
      method: 'sonet_group.get',
      params: { ORDER: { ID: 'ASC' } },
      idKey: 'ID',
    })
    expect((listed.getData() ?? []).map((g) => g.NAME)).toEqual(['A', 'B', 'C'])

    const wrong = await fetch(`${url}/rest/1/not-the-code/sonet_group.get.json`).catch((e: Error) => e)
    // Node's fetch has its own trust store: it refuses the throwaway certificate, as it should.
    expect(wrong).toBeInstanceOf(Error)
  })

  it('trusts its certificate only while it runs, and serves plain HTTP too', async () => {
    const before = globalAgent.options.ca
    const started = await startStandInPortal()
    expect(globalAgent.options.ca).toContain(started.certificate)
    const wrong = await fetch(`${started.httpUrl}/rest/1/not-the-code/sonet_group.get.json`)
    expect(wrong.status).toBe(401)
    await started.close()
    expect(globalAgent.options.ca).toEqual(before)
  })
})
