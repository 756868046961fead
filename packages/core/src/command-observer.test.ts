import { errAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { storageError } from './domain/errors.js'
import { createJoinery } from './joinery.js'
import type { CommandEnd, CommandName, CommandObserver } from './ports/command-observer.js'
import { createInMemoryStore } from './stores/in-memory-store.js'

function recordingObserver() {
  const seen: { command: CommandName; actor: string | null; end?: CommandEnd }[] = []
  const observer: CommandObserver = {
    commandStarted(command, { actor }) {
      const entry: (typeof seen)[number] = { command, actor }
      seen.push(entry)
      return (end) => {
        if (entry.end) throw new Error('ended twice')
        entry.end = end
      }
    },
  }
  return { seen, observer }
}

describe('CommandObserver', () => {
  it('is told when each command starts, who acts, and how it ends: done, refused or bad input', async () => {
    const { seen, observer } = recordingObserver()
    const joinery = createJoinery({ store: createInMemoryStore(), observer })
    const group = (await joinery.createGroup({ actor: 'ada', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    await joinery.requestJoin({ actor: 'bob', groupId: group.id })
    await joinery.requestJoin({ actor: 'bob', groupId: 'no-such-group' })
    await joinery.getGroup({ viewer: 'bob', groupId: group.id })
    await joinery.createGroup({ actor: 'ada', name: '' })

    expect(seen.map(({ command, actor, end }) => [command, actor, end?.ok ? 'ok' : end?.error.code])).toEqual([
      ['createGroup', 'ada', 'ok'],
      ['requestJoin', 'bob', 'ok'],
      ['requestJoin', 'bob', 'GroupNotFound'],
      ['getGroup', 'bob', 'ok'],
      ['createGroup', 'ada', 'InvalidInput'],
    ])
  })

  it('reports a storage failure with its cause', async () => {
    const { seen, observer } = recordingObserver()
    const cause = new Error('disk on fire')
    const store = createInMemoryStore()
    const failing: typeof store = { ...store, transaction: () => errAsync(storageError('the disk failed', cause)) }
    const joinery = createJoinery({ store: failing, observer })
    await joinery.createGroup({ actor: 'ada', name: 'Climbers' })
    expect(seen[0]?.end).toMatchObject({ ok: false, error: { code: 'StorageError', cause } })
  })

  it('cannot change an answer by throwing', async () => {
    const throwing: CommandObserver = {
      commandStarted: () => () => {
        throw new Error('observer bug')
      },
    }
    const alsoThrowing: CommandObserver = {
      commandStarted: () => {
        throw new Error('observer bug')
      },
    }
    for (const observer of [throwing, alsoThrowing]) {
      const joinery = createJoinery({ store: createInMemoryStore(), observer })
      const group = await joinery.createGroup({ actor: 'ada', name: 'Climbers' })
      expect(group.isOk()).toBe(true)
      expect((await joinery.getGroup({ viewer: 'x', groupId: 'missing' }))._unsafeUnwrapErr().code).toBe(
        'GroupNotFound',
      )
    }
  })
})
