import { createInMemoryStore, createJoinery, type Joinery } from '../index.js'
import { type RaceFixture, type RaceOutcome, type RaceScenario, raceCaps } from './race-scenarios.js'
import { type RaceState, readRaceState } from './race-state.js'

/** How one run of a scenario ended: the group's final state, and each command's outcome in command order. */
export interface RaceRun {
  readonly state: RaceState
  readonly outcomes: readonly RaceOutcome[]
}

/** Runs command `index` of the scenario. A command that throws is an outcome too (always a wrong one). */
export async function runRaceCommand(
  scenario: RaceScenario,
  index: number,
  joinery: Joinery,
  fixture: RaceFixture,
): Promise<RaceOutcome> {
  const command = scenario.commands[index]
  if (!command) throw new Error(`${scenario.name} has no command ${index}`)
  try {
    return await command(joinery, fixture)
  } catch (error) {
    return `threw: ${error instanceof Error ? error.message : String(error)}`
  }
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]]
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  )
}

const runKey = (run: RaceRun) => JSON.stringify(run)

/** Every serial order of the scenario's commands, each on a fresh in-memory store. */
async function replaySerialOrders(scenario: RaceScenario): Promise<RaceRun[]> {
  const runs = new Map<string, RaceRun>()
  for (const order of permutations(scenario.commands.length)) {
    const store = createInMemoryStore()
    const joinery = createJoinery({ store, caps: raceCaps(scenario) })
    const fixture = await scenario.setup(joinery)
    const outcomes: RaceOutcome[] = new Array(scenario.commands.length)
    for (const index of order) outcomes[index] = await runRaceCommand(scenario, index, joinery, fixture)
    const run = { state: await readRaceState(store, fixture, scenario.users), outcomes }
    runs.set(runKey(run), run)
  }
  return [...runs.values()]
}

const memo = new WeakMap<RaceScenario, Promise<readonly RaceRun[]>>()

/**
 * The oracle: the distinct runs that some serial order of the scenario's commands gives. It does not depend on the
 * trial (groups are fresh, user names fixed), so it is computed once per scenario.
 */
export function serialRaceRuns(scenario: RaceScenario): Promise<readonly RaceRun[]> {
  let runs = memo.get(scenario)
  if (!runs) {
    runs = replaySerialOrders(scenario)
    memo.set(scenario, runs)
  }
  return runs
}

/** Outcomes no serial order can give, whatever the state: the store failed or the command threw. */
export function isBrokenOutcome(outcome: RaceOutcome): boolean {
  return outcome === 'StorageError' || outcome.startsWith('threw')
}

/**
 * Whether a concurrent run is serialisable: its final state and its outcomes are those of one same serial order,
 * and no command failed in the store or threw.
 */
export function isSerialRun(run: RaceRun, allowed: readonly RaceRun[]): boolean {
  if (run.outcomes.some(isBrokenOutcome)) return false
  const key = runKey(run)
  return allowed.some((a) => runKey(a) === key)
}

/** How a scenario's trials went against its serial orders. */
export interface RaceVerdict {
  readonly scenario: string
  readonly trials: number
  readonly diverged: number
  /** The first trial no serial order explains, if any. */
  readonly firstDivergent: RaceRun | null
  readonly allowed: readonly RaceRun[]
}

export async function judgeRaceRuns(scenario: RaceScenario, runs: readonly RaceRun[]): Promise<RaceVerdict> {
  const allowed = await serialRaceRuns(scenario)
  const divergent = runs.filter((run) => !isSerialRun(run, allowed))
  return {
    scenario: scenario.name,
    trials: runs.length,
    diverged: divergent.length,
    firstDivergent: divergent[0] ?? null,
    allowed,
  }
}

const showRun = (run: RaceRun) =>
  `    outcomes ${JSON.stringify(run.outcomes)}\n    state    ${JSON.stringify(run.state)}`

/** One line for the log: how many trials ran and how many diverged. */
export function raceSummary(verdict: RaceVerdict): string {
  return `${verdict.scenario}: ${verdict.trials} trials, ${verdict.diverged} diverged`
}

/** The first divergent trial next to every run a serial order allows, for a failure message. */
export function describeDivergence(verdict: RaceVerdict): string {
  if (!verdict.firstDivergent) return raceSummary(verdict)
  return [
    `${raceSummary(verdict)}; no serial order explains this trial:`,
    showRun(verdict.firstDivergent),
    `  the serial orders allow (${verdict.allowed.length}):`,
    ...verdict.allowed.map(showRun),
  ].join('\n')
}
