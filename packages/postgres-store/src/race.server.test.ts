import { createJoinery } from '@joinery/core'
import {
  describeDivergence,
  describeRaceConformance,
  judgeRaceRuns,
  RACE_SCENARIOS,
  type RaceFixture,
  raceCaps,
  raceSummary,
  readRaceState,
} from '@joinery/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raceInProcesses } from './internal/race-processes.js'
import { migrate } from './migrations.js'
import { createPostgresStore } from './postgres-store.js'
import { fromPgPool, type SqlDatabase } from './sql-database.js'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './testing/throwaway-postgres.js'

// Needs a PostgreSQL server, as postgres-store.server.test.ts does: CI sets JOINERY_REQUIRE_POSTGRES to fail
// rather than skip.
const available = postgresServerAvailable('the PostgreSQL race tests')

/** Service instances in one process, each with its own pool, so racing commands use different connections. */
const INSTANCES = 3
const TRIALS = 200
/** Trials per scenario in the two-process run, and how far apart their start times are. */
const PROCESS_TRIALS = 100
const SLOT_MS = 8

describe.runIf(available)('races on a PostgreSQL server', () => {
  let server: ThrowawayPostgres
  const pools: pg.Pool[] = []
  let db: SqlDatabase
  const schema = `race_${process.pid}`

  function newPool(max: number): pg.Pool {
    const pool = new pg.Pool({ connectionString: server.url, max })
    pool.on('error', () => {})
    pools.push(pool)
    return pool
  }

  beforeAll(async () => {
    server = await startThrowawayPostgres()
    db = fromPgPool(newPool(8))
    await migrate(db, schema)
  }, 120_000)
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()))
    await server?.stop()
  })

  describeRaceConformance(`PostgreSQL 15 server, ${INSTANCES} pools`, {
    instances: () => Array.from({ length: INSTANCES }, () => createPostgresStore(fromPgPool(newPool(4)), { schema })),
    trials: TRIALS,
    parallel: 6,
    timeoutMs: 60_000,
  })

  it(`serialises racing commands sent by 2 processes (${PROCESS_TRIALS} trials per scenario)`, async () => {
    const store = createPostgresStore(db, { schema })
    const plan: { scenario: string; fixtures: RaceFixture[] }[] = []
    for (const scenario of RACE_SCENARIOS) {
      const fixtures: RaceFixture[] = []
      const joinery = createJoinery({ store, caps: raceCaps(scenario) })
      for (let i = 0; i < PROCESS_TRIALS; i += 10)
        fixtures.push(...(await Promise.all(Array.from({ length: 10 }, () => scenario.setup(joinery)))))
      plan.push({ scenario: scenario.name, fixtures })
    }
    const outcomes = await raceInProcesses({ url: server.url, schema, slotMs: SLOT_MS, plan }, 2)
    for (const [n, scenario] of RACE_SCENARIOS.entries()) {
      const fixtures = plan[n]?.fixtures ?? []
      const runs = await Promise.all(
        fixtures.map(async (fixture, trial) => ({
          state: await readRaceState(store, fixture, scenario.users),
          outcomes: outcomes[scenario.name]?.[trial] ?? [],
        })),
      )
      const verdict = await judgeRaceRuns(scenario, runs)
      console.log(`race › 2 processes › ${raceSummary(verdict)}`)
      expect.soft(verdict.diverged, describeDivergence(verdict)).toBe(0)
    }
  }, 120_000)
})
