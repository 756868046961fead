// A separate Node process for the two-process race test: its own pool, store and core, running its share of each
// trial's racing commands at the trial's time slot, so the other process fires the other share at the same moment.
// stdin, line 1: RaceWorkerInput as JSON; it answers `ready` once its connections are open. Line 2: the start time
// (ms since the epoch). Output: one JSON line, RaceWorkerOutput.
import { createInterface } from 'node:readline'
import { createJoinery } from '@joinery/core'
import { type RaceFixture, type RaceOutcome, raceCaps, raceScenario, runRaceCommand } from '@joinery/core/testing'
import pg from 'pg'
import { createPostgresStore } from '../postgres-store.js'
import { fromPgPool } from '../sql-database.js'

export interface RaceWorkerInput {
  readonly url: string
  readonly schema: string
  /** This process runs command `i` of a trial when `i % workers === worker`. */
  readonly worker: number
  readonly workers: number
  /** Trial `n` (counted across the plan, in order) fires at `startAt + n * slotMs`. */
  readonly slotMs: number
  readonly plan: readonly { readonly scenario: string; readonly fixtures: readonly RaceFixture[] }[]
}

/** Per scenario, per trial, per command: the outcome, or `null` for the commands another process ran. */
export type RaceWorkerOutput = Record<string, (RaceOutcome | null)[][]>

const POOL_SIZE = 8
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const nextLine = async () => {
  const line = await lines.next()
  if (line.done) throw new Error('the parent closed stdin early')
  return line.value
}

const input = JSON.parse(await nextLine()) as RaceWorkerInput
const pool = new pg.Pool({ connectionString: input.url, max: POOL_SIZE })
pool.on('error', () => {})
const store = createPostgresStore(fromPgPool(pool, { connectTimeoutMs: 60_000 }), { schema: input.schema })
// Open every connection before the start, so the first slots do not wait on connects the other process skipped.
await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT 1')))
process.stdout.write('ready\n')
const startAt = Number(await nextLine())

const output: RaceWorkerOutput = {}
const running: Promise<void>[] = []
let slot = 0
for (const { scenario: name, fixtures } of input.plan) {
  const scenario = raceScenario(name)
  const joinery = createJoinery({ store, caps: raceCaps(scenario) })
  const table = fixtures.map(() => scenario.commands.map((): RaceOutcome | null => null))
  output[name] = table
  fixtures.forEach((fixture, trial) => {
    const at = startAt + slot++ * input.slotMs
    scenario.commands.forEach((_, index) => {
      if (index % input.workers !== input.worker) return
      running.push(
        new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()))).then(async () => {
          const row = table[trial]
          if (row) row[index] = await runRaceCommand(scenario, index, joinery, fixture)
        }),
      )
    })
  })
}
await Promise.all(running)
await pool.end()
process.stdout.write(`${JSON.stringify(output)}\n`)
