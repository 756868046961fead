import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { createBitrixHandler, createWebhookAuth, MAX_USER_IDS_PER_CALL } from '@joinery/bitrix-adapter'
import { createJoinery } from '@joinery/core'
import { createDatabaseIdGenerator, createPostgresStore, fromPglite, migrate } from '@joinery/postgres-store'
import { type Figures, figuresOf } from './stats.js'

export interface ProbeResult {
  /** How long the largest allowed call (sonet_group.user.add with MAX_USER_IDS_PER_CALL users) took. */
  readonly bigCallMs: number
  readonly bigCallUsers: number
  /** Another user's small requests, sent one after another while the big call ran. */
  readonly probe: Figures
}

/**
 * Issue 11, item 4: while the largest call the demo server allows runs on PGlite (one connection: transactions run
 * one at a time), another user's request must not wait behind all of it. The probe sends `sonet_group.user.request`
 * to another group, one at a time, for as long as the big call runs.
 */
export async function benchProbe(): Promise<ProbeResult> {
  const pglite = new PGlite()
  const db = fromPglite(pglite)
  await migrate(db)
  const joinery = createJoinery({ store: createPostgresStore(db), ids: createDatabaseIdGenerator(db) })
  const handler = createBitrixHandler({
    joinery,
    auth: createWebhookAuth([
      { userId: '1', code: 'hook-1' },
      { userId: '2', code: 'hook-2' },
    ]),
    // sonet_group.user.add is a portal administrator's method, as on Bitrix24.
    administrators: ['1'],
    rateLimit: false,
  })
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void handler(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rest`
  const call = async (user: string, method: string, params: Record<string, unknown>) => {
    const res = await fetch(`${base}/${user}/hook-${user}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    })
    const body = (await res.json()) as { result?: unknown; error?: string }
    if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`)
    return body.result
  }
  try {
    const big = (await call('1', 'sonet_group.create', { NAME: 'Big' })) as number
    const other = (await call('1', 'sonet_group.create', { NAME: 'Other', OPENED: 'N' })) as number
    const ids = (from: number) => Array.from({ length: MAX_USER_IDS_PER_CALL }, (_, i) => from + i)
    // Warm up both paths (PGlite's first statements plan and cache).
    await call('1', 'sonet_group.user.add', { GROUP_ID: big, USER_ID: ids(1_000_000) })
    for (let i = 0; i < 20; i++) await call('2', 'sonet_group.user.request', { GROUP_ID: other, MESSAGE: `warm ${i}` })

    let running = true
    const started = performance.now()
    const bigCall = call('1', 'sonet_group.user.add', { GROUP_ID: big, USER_ID: ids(2_000_000) }).then(() => {
      running = false
      return performance.now() - started
    })
    const latencies: number[] = []
    const probeStarted = performance.now()
    while (running) {
      const t = performance.now()
      await call('2', 'sonet_group.user.request', { GROUP_ID: other, MESSAGE: `probe ${latencies.length}` })
      latencies.push(performance.now() - t)
    }
    const bigCallMs = await bigCall
    return {
      bigCallMs,
      bigCallUsers: MAX_USER_IDS_PER_CALL,
      probe: figuresOf(latencies, performance.now() - probeStarted),
    }
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await pglite.close()
  }
}
