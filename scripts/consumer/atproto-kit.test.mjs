// A consumer's own unit test of code that calls Bluesky chat groups, against the stand-in from the packed kit.
import { startStandInChatService } from '@joinery/atproto-adapter/testing'
import { afterAll, expect, it } from 'vitest'

const chat = await startStandInChatService()
afterAll(() => chat.close())

it('makes a group with a link that bob joins, through @atproto/api', async () => {
  const ada = await chat.agent('ada')
  const created = await ada.chat.bsky.group.createGroup({ name: 'Climbers', members: [] })
  const link = await ada.chat.bsky.group.createJoinLink({ convoId: created.data.convo.id, joinRule: 'anyone' })
  const joined = await (await chat.agent('bob')).chat.bsky.group.requestJoin({ code: link.data.joinLink.code })
  expect(joined.data.status).toBe('joined')
})
