import { configFromEnv, startServer } from '@joinery/server'
import { playScenario } from './scenario.js'

// The demo: start the server on free ports (in memory, quiet), play the story through the real clients, and say
// whether everything happened as narrated.
const config = {
  ...configFromEnv(),
  port: 0,
  tlsPort: 0,
  dataDir: null,
  databaseUrl: null,
  groupMemberLimit: 4,
  log: false,
}
const server = await startServer(config)
console.log(`Joinery demo — both protocols on ${server.httpUrl} (and ${server.httpsUrl}), ${server.storage}\n`)
let ok = false
try {
  const steps = await playScenario(server, config)
  for (const s of steps) console.log(`${s.asExpected ? '✓' : '✗'} ${s.line}`)
  ok = steps.every((s) => s.asExpected)
  console.log(ok ? '\nEverything happened as narrated.' : '\nSomething did not happen as narrated (✗ above).')
} finally {
  await server.stop()
}
process.exit(ok ? 0 : 1)
