import { errAsync } from 'neverthrow'
import { storageError } from '../domain/errors.js'
import type { MembershipStore, StoreTx } from '../ports/membership-store.js'
import { createInMemoryStore } from '../stores/in-memory-store.js'

/** Picks store calls by method name and arguments. */
export type StoreCallFilter = (method: string, args: readonly unknown[]) => boolean

/** A store to watch and break in tests: see {@link watchStore}. */
export interface WatchedStore {
  readonly store: MembershipStore
  /** How many transactions have begun: one per core command. */
  readonly transactions: number
  /** Every later store call `when` picks answers a `StorageError`, until `failWhen(null)`. */
  failWhen(when: StoreCallFilter | null): void
  /** Every later store call `when` picks throws `error` (a bug, not a storage failure), until `throwWhen(null)`. */
  throwWhen(when: StoreCallFilter | null, error?: unknown): void
}

/**
 * Wraps a store (a fresh in-memory one by default) so a test can count the transactions a call ran — one per core
 * command — and make chosen store calls fail or throw, to see what a failure midway leaves behind.
 */
export function watchStore(inner: MembershipStore = createInMemoryStore()): WatchedStore {
  let transactions = 0
  let failing: StoreCallFilter | null = null
  let throwing: { when: StoreCallFilter; error: unknown } | null = null
  const watch = (tx: StoreTx): StoreTx =>
    new Proxy(tx, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          const method = String(name)
          if (throwing?.when(method, args)) throw throwing.error
          if (failing?.(method, args)) return errAsync(storageError(`injected fault in ${method}`))
          return value.apply(target, args)
        }
      },
    })
  return {
    store: {
      transaction(work) {
        transactions++
        return inner.transaction((tx) => work(watch(tx)))
      },
    },
    get transactions() {
      return transactions
    },
    failWhen(when) {
      failing = when
    },
    throwWhen(when, error = new Error('injected bug')) {
      throwing = when ? { when, error } : null
    },
  }
}
