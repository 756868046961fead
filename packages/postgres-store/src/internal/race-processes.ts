// Runs the two-process race: the worker processes get the fixtures, open their connections, and only then learn
// the common start time, so slow start-ups never shift one side of a trial against the other.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { RaceOutcome } from '@joinery/core/testing'
import type { RaceWorkerInput, RaceWorkerOutput } from './race-worker.js'

const WORKER = new URL('./race-worker.ts', import.meta.url).pathname
/** How long after both workers are ready the first slot fires. */
const LEAD_MS = 300

interface Worker {
  readonly ready: Promise<void>
  readonly output: Promise<RaceWorkerOutput>
  start(startAt: number): void
}

function startWorker(input: RaceWorkerInput): Worker {
  const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', WORKER], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`race worker exited ${code}: ${stderr}`)))),
  )
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = async () => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))])
    if (line.done) throw new Error(`race worker ended without answering: ${stderr}`)
    return line.value as string
  }
  child.stdin.write(`${JSON.stringify(input)}\n`)
  const ready = nextLine().then((line) => {
    if (line !== 'ready') throw new Error(`race worker said ${line}`)
  })
  return {
    ready,
    output: ready.then(nextLine).then((line) => JSON.parse(line) as RaceWorkerOutput),
    start: (startAt) => child.stdin.end(`${startAt}\n`),
  }
}

/**
 * Runs the plan's trials in `workers` processes at once and returns, per scenario, each trial's outcomes in command
 * order (command `i` of a trial ran in process `i % workers`).
 */
export async function raceInProcesses(
  input: Omit<RaceWorkerInput, 'worker' | 'workers'>,
  workers: number,
): Promise<Record<string, RaceOutcome[][]>> {
  const started = Array.from({ length: workers }, (_, worker) => startWorker({ ...input, worker, workers }))
  await Promise.all(started.map((w) => w.ready))
  const startAt = Date.now() + LEAD_MS
  for (const w of started) w.start(startAt)
  const outputs = await Promise.all(started.map((w) => w.output))
  const merged: Record<string, RaceOutcome[][]> = {}
  for (const { scenario, fixtures } of input.plan) {
    merged[scenario] = fixtures.map((_, trial) =>
      (outputs[0]?.[scenario]?.[trial] ?? []).map((_, index) => {
        const outcome = outputs[index % workers]?.[scenario]?.[trial]?.[index]
        return outcome ?? `missing from worker ${index % workers}`
      }),
    )
  }
  return merged
}
