// A relay instance in its own Node process, for the multi-process tests: it delivers the outbox of `schema` as
// signed webhooks to `receiver`, naming itself in an `x-instance` header. Input: one JSON line on stdin
// (RelayWorkerInput). It answers `ready` once started; SIGTERM stops it gracefully (exit 0); SIGKILL is the crash.
import { createInterface } from 'node:readline'
import { fromPgPool } from '@joinery/postgres-store'
import pg from 'pg'
import { pgListener } from '../listeners.js'
import { createRelay } from '../relay.js'
import { createWebhookSubscriber } from '../webhook.js'

export interface RelayWorkerInput {
  readonly url: string
  readonly schema: string
  readonly receiver: string
  readonly secret: string
  readonly instanceId: string
  readonly leaseMs: number
  readonly batchSize: number
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const first = await lines.next()
if (first.done) throw new Error('no input')
const input = JSON.parse(first.value) as RelayWorkerInput

const pool = new pg.Pool({ connectionString: input.url, max: 6 })
pool.on('error', () => {})
const relay = createRelay({
  db: fromPgPool(pool),
  schema: input.schema,
  subscribers: [
    createWebhookSubscriber({
      id: 'receiver',
      url: input.receiver,
      secret: input.secret,
      headers: { 'x-instance': input.instanceId },
    }),
  ],
  listener: pgListener(pool),
  instanceId: input.instanceId,
  leaseMs: input.leaseMs,
  batchSize: input.batchSize,
  pollIntervalMs: 200,
  backoff: { initialMs: 100, maxMs: 500 },
  hooks: { onError: (error) => process.stderr.write(`relay error: ${String(error)}\n`) },
})
await relay.start()
process.stdout.write('ready\n')
process.once('SIGTERM', () => {
  void relay
    .stop()
    .then(() => pool.end())
    .then(() => process.exit(0))
})
