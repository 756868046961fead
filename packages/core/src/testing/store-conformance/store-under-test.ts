import type { ResultAsync } from 'neverthrow'
import { afterEach, beforeEach, expect } from 'vitest'
import type { StorageFailure } from '../../domain/errors.js'
import type { Group, GroupId } from '../../domain/group.js'
import type { Membership } from '../../domain/membership.js'
import type { ListKey, MembershipStore, Page, StoreTx } from '../../ports/membership-store.js'
import { aGroup } from './fixtures.js'

/** How the suite gets the store under test. */
export interface StoreSetup {
  /**
   * A fresh store for each test. It need not be empty (several tests may share one database): every test
   * makes rows with ids of its own and never counts rows it did not make.
   */
  create(): MembershipStore | Promise<MembershipStore>
  /** Optional clean-up after each test. */
  destroy?(store: MembershipStore): void | Promise<void>
}

/** The store of the running test, and the few steps every concern's tests take on it. */
export interface StoreUnderTest {
  /** A fresh store for each test (see `StoreSetup.create`). */
  readonly store: MembershipStore
  /** Runs one transaction and unwraps its value (an error fails the test). */
  run<T>(work: (tx: StoreTx) => ResultAsync<T, StorageFailure>): Promise<T>
  /** Runs one transaction that the store must refuse with a StorageError. */
  refused(work: (tx: StoreTx) => ResultAsync<unknown, StorageFailure>): Promise<void>
  withGroup(overrides?: Partial<Group>): Promise<Group>
  /** Inserts each membership with no limit, expecting `inserted`. */
  join(...memberships: Membership[]): Promise<void>
  memberCount(groupId: GroupId): Promise<number | undefined>
  /** Follows `after` from page to page until a short page, checking each page's size. */
  pageThrough<T>(
    list: (tx: StoreTx, page: Page) => ResultAsync<readonly T[], StorageFailure>,
    keyOf: (row: T) => ListKey,
    limit: number,
  ): Promise<{ rows: T[]; pages: number }>
}

/** Makes a fresh store before each test of the enclosing `describe` (and cleans it up after). */
export function useStoreUnderTest(setup: StoreSetup): StoreUnderTest {
  let current: MembershipStore | undefined
  beforeEach(async () => {
    current = await setup.create()
  })
  afterEach(async () => {
    await setup.destroy?.(store())
  })

  function store(): MembershipStore {
    if (current === undefined) throw new Error('the store under test is made before each test, not before')
    return current
  }

  async function run<T>(work: (tx: StoreTx) => ResultAsync<T, StorageFailure>): Promise<T> {
    return (await store().transaction(work))._unsafeUnwrap()
  }

  async function refused(work: (tx: StoreTx) => ResultAsync<unknown, StorageFailure>): Promise<void> {
    expect((await store().transaction(work))._unsafeUnwrapErr().code).toBe('StorageError')
  }

  async function withGroup(overrides: Partial<Group> = {}): Promise<Group> {
    const group = aGroup(overrides)
    await run((tx) => tx.insertGroup(group))
    return group
  }

  async function join(...memberships: Membership[]): Promise<void> {
    for (const m of memberships) expect(await run((tx) => tx.insertMembership(m, null))).toBe('inserted')
  }

  const memberCount = async (groupId: GroupId) => (await run((tx) => tx.getGroup(groupId)))?.memberCount

  async function pageThrough<T>(
    list: (tx: StoreTx, page: Page) => ResultAsync<readonly T[], StorageFailure>,
    keyOf: (row: T) => ListKey,
    limit: number,
  ): Promise<{ rows: T[]; pages: number }> {
    const rows: T[] = []
    let after: ListKey | null = null
    for (let pages = 1; pages <= 100; pages++) {
      const page: readonly T[] = await run((tx) => list(tx, { after, limit }))
      expect(page.length).toBeLessThanOrEqual(limit)
      rows.push(...page)
      const last = page.at(-1)
      if (page.length < limit || last === undefined) return { rows, pages }
      after = keyOf(last)
    }
    throw new Error('paging did not end after 100 pages')
  }

  return {
    get store() {
      return store()
    },
    run,
    refused,
    withGroup,
    join,
    memberCount,
    pageThrough,
  }
}
