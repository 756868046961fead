#!/usr/bin/env node
// What a user gets from npm, checked before it is published: packs every package as pnpm publishes it
// (publishConfig applied), lints each tarball (publint, are-the-types-wrong), checks the packed manifest, then
// installs the tarballs into a scratch project outside the workspace with plain npm and runs a consumer's code
// against them: every export loaded from ESM and from CommonJS, and a join through each package; and installs
// @joinery/server alone, as `npx @joinery/server` would, starting its command and calling each protocol once.
//   node scripts/check-packed.mjs            (after `pnpm build`)
//   node scripts/check-packed.mjs --keep     (leaves the scratch project and prints where it is)
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const pnpm = ['-y', 'pnpm@10.34.8']
const keep = process.argv.includes('--keep')

/**
 * Entry points are-the-types-wrong should skip, with the reason. `@joinery/core/testing` is ESM only because
 * vitest is; CommonJS callers load it through Node's require(esm), which the consumer check below exercises.
 */
const ATTW_EXCLUDE = { '@joinery/core': ['./testing'] }

/** The peers a Node 20 consumer installs beside the tarballs: the Node 20 lines (see the README's compatibility table). */
const CONSUMER_PEERS = {
  '@atproto/api': '0.19.19',
  '@atproto/crypto': '0.4.5',
  '@atproto/identity': '0.4.12',
  '@atproto/lexicon': '0.6.2',
  '@atproto/xrpc-server': '0.10.21',
  '@electric-sql/pglite': '0.5.16',
  '@opentelemetry/api': '1.9.1',
  '@bitrix24/b24jssdk': '2.2.0',
  selfsigned: '5.5.0',
  vitest: '4.1.12',
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options })
}

/** The exports as published: the workspace's own without the `dev-source` condition (which names src/). */
function withoutDevSource(exports) {
  if (typeof exports !== 'object' || exports === null) return exports
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([condition]) => condition !== 'dev-source')
      .map(([key, value]) => [key, withoutDevSource(value)]),
  )
}

function fail(message) {
  console.error(`check-packed: ${message}`)
  process.exit(1)
}

const packagesDir = join(root, 'packages')
const packages = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      return manifest.private !== true
    } catch {
      return false
    }
  })

const work = mkdtempSync(join(tmpdir(), 'joinery-packed-'))
const packs = join(work, 'packs')
const tarballs = {}

for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (JSON.stringify(manifest.publishConfig?.exports) !== JSON.stringify(withoutDevSource(manifest.exports)))
    fail(`${manifest.name}: publishConfig.exports must be exports without dev-source`)
  const out = run('npx', [...pnpm, 'pack', '--pack-destination', packs], { cwd: dir })
    .trim()
    .split('\n')
    .at(-1)
  const tarball = resolve(dir, out)
  tarballs[manifest.name] = tarball

  const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']))
  const text = JSON.stringify(packed.exports)
  if (text.includes('dev-source') || text.includes('./src/')) fail(`${manifest.name}: packed exports still name src/`)
  if (packed.publishConfig?.exports) fail(`${manifest.name}: publishConfig was not applied by pack`)
  const files = run('tar', ['-tzf', tarball]).trim().split('\n')
  const maps = files.filter((file) => file.endsWith('.map'))
  if (maps.length > 0) fail(`${manifest.name}: ships source maps (${maps.length})`)
  for (const [name, range] of Object.entries(packed.peerDependencies ?? {})) {
    if (!/<\s*\d|\^|~/.test(range)) fail(`${manifest.name}: peer ${name} has no upper bound (${range})`)
  }
  if (/workspace:/.test(JSON.stringify(packed))) fail(`${manifest.name}: a workspace: range survived packing`)
  for (const [command, file] of Object.entries(packed.bin ?? {})) {
    if (!files.includes(`package/${file.replace(/^\.\//, '')}`)) fail(`${manifest.name}: bin ${command} is not packed`)
  }

  run('npx', ['publint', 'run', tarball, '--strict'], { cwd: root })
  const exclude = ATTW_EXCLUDE[manifest.name] ?? []
  run(
    'npx',
    ['attw', tarball, '--profile', 'node16', ...(exclude.length ? ['--exclude-entrypoints', ...exclude] : [])],
    {
      cwd: root,
    },
  )
  console.log(`packed ${manifest.name}: ${files.length} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB`)
}

// A consumer project outside the workspace: plain npm, the tarballs, the Node 20 lines of the peers.
const consumer = join(work, 'consumer')
cpSync(join(root, 'scripts', 'consumer'), consumer, { recursive: true })
const dependencies = { ...CONSUMER_PEERS }
for (const [name, tarball] of Object.entries(tarballs)) dependencies[name] = `file:${tarball}`
// The tarballs depend on each other by version; point those at the local tarballs too.
const overrides = Object.fromEntries(Object.entries(tarballs).map(([name, tarball]) => [name, `file:${tarball}`]))
writeFileSync(
  join(consumer, 'package.json'),
  `${JSON.stringify({ name: 'joinery-consumer', private: true, type: 'module', dependencies, overrides }, null, 2)}\n`,
)
/** `npm install` in `dir`, failing on any warning that names Joinery. */
function npmInstall(dir) {
  const install = execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel', 'warn'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const ownWarnings = install.split('\n').filter((line) => /joinery/i.test(line) && /warn/i.test(line))
  if (ownWarnings.length > 0) fail(`npm install warned about Joinery's packages:\n${ownWarnings.join('\n')}`)
}
npmInstall(consumer)

for (const entry of [
  'load-every-export.mjs',
  'load-every-export.cjs',
  'join-through-each.mjs',
  'start-the-server.mjs',
]) {
  process.stdout.write(run('node', [entry], { cwd: consumer }))
}
// The consumer's own vitest suite on the test kits (the stand-in use).
const kits = run('npx', ['vitest', 'run', '--reporter=dot'], { cwd: consumer, env: { ...process.env, CI: 'true' } })
console.log(
  kits
    .split('\n')
    .filter((line) => /Test Files|Tests/.test(line))
    .join('\n'),
)

// `npx @joinery/server`: the package alone, with nothing but what it declares (no peers installed beside it), as npx
// installs it; its command starts from the installed tarball and answers each protocol.
const server = join(work, 'server-alone')
mkdirSync(server)
cpSync(join(root, 'scripts', 'consumer', 'start-the-server.mjs'), join(server, 'start-the-server.mjs'))
writeFileSync(
  join(server, 'package.json'),
  `${JSON.stringify({ name: 'joinery-server-alone', private: true, type: 'module', dependencies: { '@joinery/server': `file:${tarballs['@joinery/server']}` }, overrides }, null, 2)}\n`,
)
npmInstall(server)
if (!run(join(server, 'node_modules', '.bin', 'joinery-server'), ['--help']).includes('--database-url'))
  fail('joinery-server --help does not list its settings')
process.stdout.write(run('node', ['start-the-server.mjs'], { cwd: server }))

if (keep) console.log(`scratch projects kept in ${work}`)
else rmSync(work, { recursive: true, force: true })
console.log(
  'check-packed: every package packs, lints, installs and loads from ESM and CommonJS; joinery-server starts from its tarball',
)
