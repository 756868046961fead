import { describe, expect, it } from 'vitest'
import { createJoinery, type Joinery, type MembershipStore } from '../index.js'
import { describeDivergence, judgeRaceRuns, type RaceRun, raceSummary, runRaceCommand } from './race-oracle.js'
import { RACE_SCENARIOS, type RaceScenario, raceCaps } from './race-scenarios.js'
import { readRaceState } from './race-state.js'

/** How the race suite reaches the store under test. */
export interface RaceSetup {
  /**
   * Stores over one shared database, one per service instance (a pool each, say); racing command `i` runs on
   * instance `i % n`. Called once, when the first scenario starts (after any `beforeAll` around the suite).
   * A store that runs one transaction at a time may give the same store several times.
   */
  instances(): readonly MembershipStore[] | Promise<readonly MembershipStore[]>
  /** Trials per scenario, each on a fresh group. Default 50. */
  readonly trials?: number
  /** Trials run at a time (on different groups). Default 4. */
  readonly parallel?: number
  /** Only these scenarios, by name. Default: all of `RACE_SCENARIOS`. */
  readonly scenarios?: readonly string[]
  /** Per scenario. Default 60 s. */
  readonly timeoutMs?: number
}

// Core compiles with no Node or DOM types (`types: []`), yet the suite runs where both timers and a console exist.
const host = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown
  console: { log(line: string): void }
}

/** 0, 1 or 2 ms, so each trial starts its commands in a slightly different interleaving. */
async function jitter(): Promise<void> {
  const ms = Math.floor(Math.random() * 3)
  if (ms > 0) await new Promise<void>((resolve) => host.setTimeout(resolve, ms))
}

/** One trial: a fresh group, then every command at once, each on its own instance. */
async function raceOnce(scenario: RaceScenario, joineries: readonly Joinery[], reader: MembershipStore) {
  const [first] = joineries
  if (!first) throw new Error('the race suite needs at least one store instance')
  const fixture = await scenario.setup(first)
  const outcomes = await Promise.all(
    scenario.commands.map(async (_, i) => {
      await jitter()
      return runRaceCommand(scenario, i, joineries[i % joineries.length] ?? first, fixture)
    }),
  )
  const run: RaceRun = { state: await readRaceState(reader, fixture, scenario.users), outcomes }
  return run
}

/** Runs `count` jobs, `parallel` at a time. */
async function inParallel<T>(count: number, parallel: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const lane = async () => {
    for (let i = next++; i < count; i = next++) results[i] = await job(i)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, count)) }, lane))
  return results
}

/**
 * The race suite: for each scenario, many trials of its commands started together over several instances of one
 * database, each judged against every serial order replayed on the in-memory store. A trial passes when its final
 * state and its outcomes are those of one serial order and no command met a StorageError or threw.
 * @example
 * describeRaceConformance('PostgreSQL server', {
 *   instances: () => [1, 2, 3].map(() => createPostgresStore(fromPgPool(new pg.Pool({ connectionString })))),
 *   trials: 200,
 * })
 */
export function describeRaceConformance(name: string, setup: RaceSetup): void {
  const trials = setup.trials ?? 50
  const wanted = setup.scenarios
  const scenarios = wanted ? RACE_SCENARIOS.filter((s) => wanted.includes(s.name)) : RACE_SCENARIOS
  describe(`${name} serialises racing commands`, () => {
    let instances: Promise<readonly MembershipStore[]> | null = null
    for (const scenario of scenarios) {
      it(
        `${scenario.name} (${trials} trials)`,
        async () => {
          instances ??= Promise.resolve(setup.instances())
          const stores = await instances
          const reader = stores[0]
          if (!reader) throw new Error('the race suite needs at least one store instance')
          const joineries = stores.map((store) => createJoinery({ store, caps: raceCaps(scenario) }))
          const runs = await inParallel(trials, setup.parallel ?? 4, () => raceOnce(scenario, joineries, reader))
          const verdict = await judgeRaceRuns(scenario, runs)
          host.console.log(`race › ${name} › ${raceSummary(verdict)}`)
          expect(verdict.diverged, describeDivergence(verdict)).toBe(0)
        },
        setup.timeoutMs ?? 60_000,
      )
    }
  })
}
