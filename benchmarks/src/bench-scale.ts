import { createInMemoryStore, createJoinery, MAX_USERS_PER_COMMAND } from '@joinery/core'
import { type Figures, figuresOf } from './stats.js'

async function joinLatency(
  joinery: ReturnType<typeof createJoinery>,
  code: string,
  prefix: string,
  n: number,
): Promise<Figures> {
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    const r = await joinery.requestJoinByCode({ actor: `${prefix}${i}`, code })
    if (r.isErr()) throw new Error(r.error.code)
    latencies.push(performance.now() - t)
  }
  return figuresOf(latencies, performance.now() - started)
}

/**
 * requestJoin latency in a group of 1,000,000 members vs a group of 10, on the in-memory store, and the heap each
 * membership costs there (run with --expose-gc for a settled figure).
 */
export async function benchScale(members = 1_000_000, n = 20_000) {
  const gc = (globalThis as { gc?: () => void }).gc
  const store = createInMemoryStore({ eventLogLimit: 1000 })
  const joinery = createJoinery({ store })
  const small = (
    await joinery.createGroup({
      actor: 'owner',
      name: 'Small',
      admission: 'open',
      initialMembers: Array.from({ length: 9 }, (_, i) => `s${i}`),
    })
  )._unsafeUnwrap()
  const big = (await joinery.createGroup({ actor: 'owner', name: 'Big', admission: 'open' }))._unsafeUnwrap()
  gc?.()
  const before = process.memoryUsage().heapUsed
  // addMembers takes at most MAX_USERS_PER_COMMAND users a call.
  for (let i = 1; i < members; i += MAX_USERS_PER_COMMAND) {
    const userIds = Array.from({ length: Math.min(MAX_USERS_PER_COMMAND, members - i) }, (_, k) => `seed${i + k}`)
    ;(await joinery.addMembers({ actor: 'owner', groupId: big.id, userIds }))._unsafeUnwrap()
  }
  gc?.()
  const bytesPerMembership = (process.memoryUsage().heapUsed - before) / (members - 1)
  const smallCode = (await joinery.createJoinLink({ actor: 'owner', groupId: small.id }))._unsafeUnwrap().code
  const bigCode = (await joinery.createJoinLink({ actor: 'owner', groupId: big.id }))._unsafeUnwrap().code
  await joinLatency(joinery, smallCode, 'warm-small', 2000)
  await joinLatency(joinery, bigCode, 'warm-big', 2000)
  const inSmall = await joinLatency(joinery, smallCode, 'small', n)
  const inBig = await joinLatency(joinery, bigCode, 'big', n)
  return { inSmall, inBig, bytesPerMembership, gcExposed: gc !== undefined }
}
