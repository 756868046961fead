import { describe } from 'vitest'
import { capsTests } from './caps.js'
import { concurrentTransactionTests } from './concurrent-transactions.js'
import { groupRowsTests } from './groups.js'
import { joinReadsTests } from './join-state.js'
import { linkRowsTests } from './links.js'
import { membershipRowsTests } from './memberships.js'
import { outboxTests } from './outbox.js'
import { removalRowsTests } from './removals.js'
import { requestRowsTests } from './requests.js'
import { type StoreSetup, type StoreUnderTest, useStoreUnderTest } from './store-under-test.js'
import { transactionTests } from './transactions.js'

export type { StoreSetup } from './store-under-test.js'

/**
 * The contract of the `MembershipStore` port as a vitest suite: every store implementation runs it.
 * @example
 * describeStoreConformance('my store', { create: () => createMyStore(), destroy: (s) => s.close() })
 */
export function describeStoreConformance(name: string, setup: StoreSetup): void {
  describe(`${name} conforms to the MembershipStore port`, () => {
    const s = useStoreUnderTest(setup)
    groupRowsTests(s)
    linkRowsTests(s)
    joinReadsTests(s)
    membershipRowsTests(s)
    requestRowsTests(s)
    removalRowsTests(s)
    outboxTests(s)
    transactionTests(s)
    concurrentTransactionTests(s)
    capsTests(s)
  })
}

// One concern at a time, for a store being written. Each still needs a whole store: the tests of one concern
// make the rows of others (a membership needs its group).

/** Only the `GroupRows` part of `describeStoreConformance`. */
export function describeGroupRowsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to GroupRows`, setup, groupRowsTests)
}

/** Only the `LinkRows` part of `describeStoreConformance`. */
export function describeLinkRowsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to LinkRows`, setup, linkRowsTests)
}

/** Only the `JoinReads` part of `describeStoreConformance`. */
export function describeJoinReadsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to JoinReads`, setup, joinReadsTests)
}

/** Only the `MembershipRows` part of `describeStoreConformance`. */
export function describeMembershipRowsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to MembershipRows`, setup, membershipRowsTests)
}

/** Only the `RequestRows` part of `describeStoreConformance`. */
export function describeRequestRowsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to RequestRows`, setup, requestRowsTests)
}

/** Only the `RemovalRows` part of `describeStoreConformance`. */
export function describeRemovalRowsConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to RemovalRows`, setup, removalRowsTests)
}

/** Only the `Outbox` part of `describeStoreConformance`. */
export function describeOutboxConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to Outbox`, setup, outboxTests)
}

/** Only the `MembershipStore.transaction` part of `describeStoreConformance`: all or nothing, and concurrency. */
export function describeTransactionConformance(name: string, setup: StoreSetup): void {
  describeConcern(`${name} conforms to MembershipStore.transaction`, setup, (s) => {
    transactionTests(s)
    concurrentTransactionTests(s)
  })
}

function describeConcern(title: string, setup: StoreSetup, tests: (s: StoreUnderTest) => void): void {
  describe(title, () => tests(useStoreUnderTest(setup)))
}
