import { describe, expect, it } from 'vitest'
import { createJoinery, groupIdForm, type JoineryOptions } from './joinery.js'
import { createCryptoIdGenerator, createSequentialIdGenerator } from './ports/id-generator.js'
import { createInMemoryStore } from './stores/in-memory-store.js'

/** Options as a JavaScript caller might pass them, past the types. */
const loose = (options: unknown) => options as JoineryOptions

describe('createJoinery option checks', () => {
  it.each([
    ['no options at all', undefined, /options must be an object/],
    ['no store', {}, /store must be an object with transaction\(\), such as createInMemoryStore\(\)/],
    ['a store without transaction()', { store: {} }, /store\.transaction must be a function/],
    ['an events sink without publish()', { events: () => {} }, /events must be an object with publish\(\)/],
    ['a clock without now()', { clock: { now: 5 } }, /clock\.now must be a function/],
    ['ids without newCode()', { ids: { newGroupId: () => '1', newId: () => '2' } }, /ids\.newCode must be a function/],
    ['a social graph without follows()', { socialGraph: {} }, /socialGraph\.follows must be a function/],
    ['a negative request TTL', { requestTtlMs: -1 }, /requestTtlMs must be a whole number from 1/],
    ['a fractional request TTL', { requestTtlMs: 1.5 }, /requestTtlMs must be a whole number/],
    ['a TTL given as text', { requestTtlMs: '60000' }, /requestTtlMs must be a whole number/],
    ['an onSinkError that is not a function', { onSinkError: 'log' }, /onSinkError must be a function/],
    ['a negative cap', { caps: { groupsPerUser: -1 } }, /caps\.groupsPerUser must be a whole number from 0/],
    ['a fractional cap', { caps: { linksPerGroup: 2.5 } }, /caps\.linksPerGroup must be a whole number/],
    ['caps that are not an object', { caps: 5 }, /caps must be an object/],
  ])('refuses %s at construction, naming the option', (_, options, message) => {
    const withStore =
      options && typeof options === 'object' && !('store' in options) && Object.keys(options).length > 0
        ? { store: createInMemoryStore(), ...options }
        : options
    expect(() => createJoinery(loose(withStore))).toThrow(message)
  })

  it('accepts the smallest valid options and every optional port left out or null where allowed', () => {
    expect(() => createJoinery({ store: createInMemoryStore() })).not.toThrow()
    expect(() => createJoinery({ store: createInMemoryStore(), requestTtlMs: null })).not.toThrow()
    expect(() =>
      createJoinery({ store: createInMemoryStore(), caps: { groupsPerUser: null, pendingRequestsPerGroup: 0 } }),
    ).not.toThrow()
  })
})

describe(groupIdForm, () => {
  const store = createInMemoryStore()
  it('tells what the id generator promised, observed or not', () => {
    expect(groupIdForm(createJoinery({ store }))).toBe('text')
    expect(groupIdForm(createJoinery({ store, ids: createSequentialIdGenerator() }))).toBe('integer')
    const observer = { commandStarted: () => undefined }
    expect(groupIdForm(createJoinery({ store, ids: createSequentialIdGenerator(), observer }))).toBe('integer')
  })

  it('is undefined when the generator does not say, and ids still come from it', async () => {
    const { groupIdForm: _, ...silent } = createCryptoIdGenerator()
    const joinery = createJoinery({ store, ids: { ...silent, newGroupId: () => 'g-1' } })
    expect(groupIdForm(joinery)).toBeUndefined()
    expect((await joinery.createGroup({ actor: 'alice', name: 'A' }))._unsafeUnwrap().id).toBe('g-1')
  })
})
