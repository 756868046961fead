// `pnpm demo:serve`: the published `joinery-server` command, run from this workspace's sources.
import { serveFromCommandLine } from '@joinery/server'

await serveFromCommandLine()
