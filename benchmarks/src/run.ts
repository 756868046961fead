// pnpm bench: every benchmark, baseline and Joinery side by side in one run, with ratios against the targets.
// Results: benchmarks/results/latest.json and latest.svg. Never part of the test run.
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { benchCore } from './bench-core.js'
import { benchBitrix, benchXrpc } from './bench-http.js'
import { benchProbe } from './bench-probe.js'
import { benchRelay } from './bench-relay.js'
import { benchScale } from './bench-scale.js'
import { benchPglite, benchPostgresServer } from './bench-stores.js'
import { type Comparison, chart, printTable, writeResults } from './report.js'
import { fmt } from './stats.js'

const only = process.argv[2]
// pnpm bench [core|xrpc|bitrix|stores|scale|probe|relay] runs one of them.
const rows: Comparison[] = []
const extras: Record<string, unknown> = {}
const want = (name: string) => !only || only === name

const compare = (
  name: string,
  subject: Comparison['subject'],
  baseline: Comparison['baseline'],
  target: number,
): Comparison => {
  const ratio = subject.opsPerSecond / baseline.opsPerSecond
  return { name, subject, baseline, ratio, target: `≥ ${target}×`, met: ratio >= target }
}

if (want('core')) {
  console.log('core: requestJoin on the in-memory store vs a Map baseline…')
  const r = await benchCore()
  rows.push(
    compare(
      'core requestJoin (in-memory)',
      { label: 'Joinery', ...r.joinery },
      { label: 'hand-written Maps', ...r.baseline },
      // Issue 16: the in-memory hot path (and ≤ 4 µs mean per join, read from the row).
      0.25,
    ),
  )
  // Where a join's time goes: its store transaction alone, against the whole command (no target: a breakdown).
  const us = (f: { opsPerSecond: number }) => 1e6 / f.opsPerSecond
  extras.coreBreakdown = {
    joinMeanUs: us(r.joinery),
    storeAloneMeanUs: us(r.storeAlone),
    emptyTransactionMeanUs: us(r.emptyTransaction),
    baselineMeanUs: us(r.baseline),
  }
  console.log(
    `  mean per join: whole command ${fmt(us(r.joinery), 2)} µs, its store transaction alone ${fmt(us(r.storeAlone), 2)} µs, an empty store transaction ${fmt(us(r.emptyTransaction), 2)} µs, the Map baseline ${fmt(us(r.baseline), 2)} µs`,
  )
}
if (want('xrpc')) {
  console.log('xrpc: requestJoin over HTTP (second process, 32 connections)…')
  const r = await benchXrpc()
  extras.xrpcStatuses = {
    adapter: r.adapter.statuses,
    xrpcConstant: r.xrpcConstant.statuses,
    bareHttp: r.bareHttp.statuses,
  }
  rows.push(
    compare(
      'XRPC requestJoin vs xrpc-server constant',
      { label: 'adapter', ...r.adapter },
      { label: 'xrpc-server + verifyJwt, constant body', ...r.xrpcConstant },
      // Issue 16: service-JWT signatures checked by OpenSSL instead of pure JS.
      3,
    ),
  )
  // The bare handler is the ceiling, shown for scale: no target.
  rows.push({
    ...compare(
      'XRPC requestJoin vs bare node:http',
      { label: 'adapter', ...r.adapter },
      { label: 'bare node:http (ceiling)', ...r.bareHttp },
      0,
    ),
    target: 'none (ceiling)',
    met: null,
  })
}
if (want('bitrix')) {
  console.log('bitrix: sonet_group.user.request over HTTP (second process, 32 connections)…')
  const r = await benchBitrix()
  extras.bitrixStatuses = { adapter: r.adapter.statuses, bareHttp: r.bareHttp.statuses }
  rows.push(
    compare(
      'Bitrix24 user.request vs bare node:http',
      { label: 'adapter', ...r.adapter },
      { label: 'bare node:http, same envelope', ...r.bareHttp },
      // Issue 16: parse and answer with no more work than the envelope needs.
      0.6,
    ),
  )
}
if (want('stores')) {
  console.log('stores: joins on PGlite and on a PostgreSQL server vs the minimal SQL transaction…')
  const lite = await benchPglite()
  extras.pgliteFailures = lite.failures
  rows.push(
    compare(
      'PGlite joins',
      { label: 'Joinery store', ...lite.joinery },
      { label: 'minimal SQL transaction', ...lite.minimalSql },
      // Issue 16: one round trip per SQL command.
      1,
    ),
  )
  try {
    const server = await benchPostgresServer()
    extras.serverFailures = { at16: server.failures, hot64: server.hot64.failures }
    console.log(
      `  failed calls: at 16 ${JSON.stringify(server.failures)}, hot group at 64 ${JSON.stringify(server.hot64.failures)}`,
    )
    rows.push(
      compare(
        'PostgreSQL server joins (16 in flight)',
        { label: 'Joinery store', ...server.joinery },
        { label: 'minimal SQL transaction', ...server.minimalSql },
        1,
      ),
    )
    // Issue 16: a hot single group at 64 in flight, without a p99 blow-up (the figure is read, not targeted).
    rows.push({
      ...compare(
        'PostgreSQL server joins, one hot group (64 in flight)',
        { label: 'Joinery store', ...server.hot64.joinery },
        { label: 'minimal SQL transaction', ...server.hot64.minimalSql },
        0,
      ),
      target: 'none (report p50 / p99)',
      met: null,
    })
  } catch (e) {
    console.log(`  PostgreSQL server benchmark skipped: ${(e as Error).message}`)
  }
}
if (want('scale')) {
  console.log('scale: requestJoin in a group of 1,000,000 vs 10, and memory per membership…')
  const r = await benchScale()
  const latencyRatio = r.inBig.p50Ms / r.inSmall.p50Ms
  extras.bytesPerMembership = r.bytesPerMembership
  rows.push({
    name: 'p50 latency, 1,000,000-member group ÷ 10-member group',
    subject: { label: '1M group', ...r.inBig },
    baseline: { label: '10-member group', ...r.inSmall },
    ratio: latencyRatio,
    target: '≤ 1.2',
    met: latencyRatio <= 1.2,
  })
  console.log(
    `  memory per membership (in-memory store): ${fmt(r.bytesPerMembership, 0)} bytes (target ≤ 200)${r.gcExposed ? '' : ' — run with --expose-gc for a settled figure'}`,
  )
  extras.memoryTargetMet = r.bytesPerMembership <= 200
}

if (want('probe')) {
  console.log("probe: another user's request while the largest allowed sonet_group.user.add runs on PGlite…")
  const r = await benchProbe()
  extras.probe = { ...r, targetP99Ms: 250, met: r.probe.p99Ms < 250 }
  console.log(
    `  big call: ${r.bigCallUsers} users in ${fmt(r.bigCallMs, 0)} ms; probe (${r.probe.count} requests meanwhile): ` +
      `p50 ${fmt(r.probe.p50Ms)} ms, p99 ${fmt(r.probe.p99Ms)} ms (target p99 < 250 ms: ${r.probe.p99Ms < 250 ? 'met' : 'NOT met'})`,
  )
}

if (want('relay')) {
  console.log('relay: events written by joins vs one relay delivering them as signed webhooks to a local receiver…')
  try {
    const r = await benchRelay()
    rows.push(
      compare(
        'Relay webhooks delivered vs events written by joins (PostgreSQL server)',
        { label: 'relay, 1 instance, 16 groups at once', ...r.drain },
        { label: 'joins, 16 in flight over 16 groups', ...r.joins },
        // Issue 14: the relay keeps up with what joins produce.
        1,
      ),
    )
    rows.push({
      ...compare(
        'Relay webhooks, every event in one group',
        { label: 'relay, 1 instance, 1 group (in order)', ...r.oneGroup },
        { label: 'joins, 16 in flight over 16 groups', ...r.joins },
        0,
      ),
      target: 'none (one group is delivered one event at a time)',
      met: null,
    })
    extras.relayTogether = r.together
    // The machine is shared: the 1-minute load average when the relay benchmark ended, for reading its figures.
    extras.relayLoadAverage = loadavg()[0]
    extras.relayJoinsWithoutNotify = r.joinsWithoutNotify
    console.log(
      `  joins on a store without NOTIFY: ${fmt(r.joinsWithoutNotify.opsPerSecond, 0)} joins/s (with: ${fmt(r.joins.opsPerSecond, 0)})`,
    )
    console.log(
      `  joins and relay together: ${fmt(r.together.joins.opsPerSecond, 0)} joins/s; write-to-delivery p50 ${fmt(r.together.lagP50Ms)} ms, ` +
        `p99 ${fmt(r.together.lagP99Ms)} ms; backlog empty ${fmt(r.together.backlogAfterMs, 0)} ms after the last join`,
    )
  } catch (e) {
    console.log(`  relay benchmark skipped: ${(e as Error).message}`)
  }
}

const table = printTable(rows)
console.log(`\n${table}\n`)
if (extras.bytesPerMembership !== undefined)
  console.log(`memory per membership: ${fmt(extras.bytesPerMembership as number, 0)} bytes (target ≤ 200)`)
const results = fileURLToPath(new URL('../results', import.meta.url))
writeResults(
  results,
  only ? `latest-${only}` : 'latest',
  { date: new Date().toISOString(), node: process.version, rows, extras },
  chart(
    rows
      .filter((r) => r.target.startsWith('≥') && r.target !== '≥ 0×')
      .map((r) => ({ name: r.name, ratio: r.ratio, target: Number(r.target.replace(/[^0-9.]/g, '')) })),
  ),
)
console.log(`written to ${results}`)
