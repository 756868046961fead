#!/usr/bin/env node
// joinery-server: both protocols in one process (see --help). Installed as the package's bin through
// bin/joinery-server.mjs, which loads the build of this file.
import { serveFromCommandLine } from './command-line.js'

serveFromCommandLine().catch((error: unknown) => {
  console.error('joinery-server failed:', error)
  process.exit(1)
})
