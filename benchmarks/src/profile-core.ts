// The loop behind benchmarks/results/core-profile.md: requestJoinByCode on the in-memory store, one join at a time,
// against the built package. Profile it with
//   pnpm --filter @joinery/core build && node --cpu-prof --cpu-prof-dir=<dir> --import tsx src/profile-core.ts
// It prints the CPU time per join (process.cpuUsage), after a warm-up that is not counted.
import { createInMemoryStore, createJoinery } from '@joinery/core'

const measured = Number(process.argv[2] ?? 120_000)
const warmUp = 20_000
const joinery = createJoinery({ store: createInMemoryStore({ eventLogLimit: 1000 }) })
const group = (await joinery.createGroup({ actor: 'owner', name: 'Profile', admission: 'open' }))._unsafeUnwrap()
const { code } = (await joinery.createJoinLink({ actor: 'owner', groupId: group.id }))._unsafeUnwrap()
const join = async (actor: string) => {
  const r = await joinery.requestJoinByCode({ actor, code })
  if (r.isErr()) throw new Error(`join failed: ${r.error.code}`)
}
for (let i = 0; i < warmUp; i++) await join(`warm${i}`)
const before = process.cpuUsage()
for (let i = 0; i < measured; i++) await join(`user${i}`)
const used = process.cpuUsage(before)
console.log(`${measured} joins, ${((used.user + used.system) / measured).toFixed(2)} µs of CPU per join`)
