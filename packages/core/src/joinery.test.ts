import { describe, expect, it } from 'vitest'
import { createJoinery } from './joinery.js'
import { createInMemoryStore } from './stores/in-memory-store.js'

describe(createJoinery, () => {
  it('creates a group, a link, and lets a user join through it', async () => {
    const joinery = createJoinery({ store: createInMemoryStore() })
    const group = (await joinery.createGroup({ actor: 'owner', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    const link = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
    const joined = (await joinery.requestJoinByCode({ actor: 'alice', code: link.code }))._unsafeUnwrap()
    expect(joined.status).toBe('joined')
    expect(joined.group.memberCount).toBe(2)
  })
})
