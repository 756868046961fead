#!/usr/bin/env node
// A committed launcher, so that package managers can link the command before the package is built.
await import('../dist/cli.js')
