export { describeRaceConformance, type RaceSetup } from './race-conformance.js'
export {
  describeDivergence,
  isSerialRun,
  judgeRaceRuns,
  type RaceRun,
  type RaceVerdict,
  raceSummary,
  runRaceCommand,
  serialRaceRuns,
} from './race-oracle.js'
export {
  RACE_SCENARIOS,
  type RaceCommand,
  type RaceFixture,
  type RaceOutcome,
  type RaceScenario,
  raceCaps,
  raceScenario,
} from './race-scenarios.js'
export { type RaceState, readRaceState } from './race-state.js'
export {
  describeGroupRowsConformance,
  describeJoinReadsConformance,
  describeLinkRowsConformance,
  describeMembershipRowsConformance,
  describeOutboxConformance,
  describeRemovalRowsConformance,
  describeRequestRowsConformance,
  describeStoreConformance,
  describeTransactionConformance,
  type StoreSetup,
} from './store-conformance/index.js'
export { type StoreCallFilter, type WatchedStore, watchStore } from './watched-store.js'
