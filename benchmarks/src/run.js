var __assign =
  (this && this.__assign) ||
  function () {
    __assign =
      Object.assign ||
      function (t) {
        for (var s, i = 1, n = arguments.length; i < n; i++) {
          s = arguments[i]
          for (var p in s) if (Object.hasOwn(s, p)) t[p] = s[p]
        }
        return t
      }
    return __assign.apply(this, arguments)
  }
Object.defineProperty(exports, '__esModule', { value: true })
// pnpm bench: every benchmark, baseline and Joinery side by side in one run, with ratios against the targets.
// Results: benchmarks/results/latest.json and latest.svg. Never part of the test run.
var node_url_1 = require('node:url')
var bench_core_js_1 = require('./bench-core.js')
var bench_http_js_1 = require('./bench-http.js')
var bench_scale_js_1 = require('./bench-scale.js')
var bench_stores_js_1 = require('./bench-stores.js')
var report_js_1 = require('./report.js')
var stats_js_1 = require('./stats.js')
var only = process.argv[2]
var rows = []
var extras = {}
var want = (name) => !only || only === name
var compare = (name, subject, baseline, target) => {
  var ratio = subject.opsPerSecond / baseline.opsPerSecond
  return {
    name: name,
    subject: subject,
    baseline: baseline,
    ratio: ratio,
    target: '\u2265 '.concat(target, '\u00D7'),
    met: ratio >= target,
  }
}
if (want('core')) {
  console.log('core: requestJoin on the in-memory store vs a Map baseline…')
  var r = await (0, bench_core_js_1.benchCore)()
  rows.push(
    compare(
      'core requestJoin (in-memory)',
      __assign({ label: 'Joinery' }, r.joinery),
      __assign({ label: 'hand-written Maps' }, r.baseline),
      0.5,
    ),
  )
}
if (want('xrpc')) {
  console.log('xrpc: requestJoin over HTTP (second process, 32 connections)…')
  var r = await (0, bench_http_js_1.benchXrpc)()
  extras.xrpcStatuses = {
    adapter: r.adapter.statuses,
    xrpcConstant: r.xrpcConstant.statuses,
    bareHttp: r.bareHttp.statuses,
  }
  rows.push(
    compare(
      'XRPC requestJoin vs xrpc-server constant',
      __assign({ label: 'adapter' }, r.adapter),
      __assign({ label: 'xrpc-server + verifyJwt, constant body' }, r.xrpcConstant),
      0.8,
    ),
  )
  rows.push(
    compare(
      'XRPC requestJoin vs bare node:http',
      __assign({ label: 'adapter' }, r.adapter),
      __assign({ label: 'bare node:http (ceiling)' }, r.bareHttp),
      0,
    ),
  )
}
if (want('bitrix')) {
  console.log('bitrix: sonet_group.user.request over HTTP (second process, 32 connections)…')
  var r = await (0, bench_http_js_1.benchBitrix)()
  extras.bitrixStatuses = { adapter: r.adapter.statuses, bareHttp: r.bareHttp.statuses }
  rows.push(
    compare(
      'Bitrix24 user.request vs bare node:http',
      __assign({ label: 'adapter' }, r.adapter),
      __assign({ label: 'bare node:http, same envelope' }, r.bareHttp),
      0.7,
    ),
  )
}
if (want('stores')) {
  console.log('stores: joins on PGlite and on a PostgreSQL server vs the minimal SQL transaction…')
  var lite = await (0, bench_stores_js_1.benchPglite)()
  rows.push(
    compare(
      'PGlite joins',
      __assign({ label: 'Joinery store' }, lite.joinery),
      __assign({ label: 'minimal SQL transaction' }, lite.minimalSql),
      0.7,
    ),
  )
  try {
    var server = await (0, bench_stores_js_1.benchPostgresServer)()
    rows.push(
      compare(
        'PostgreSQL server joins (16 in flight)',
        __assign({ label: 'Joinery store' }, server.joinery),
        __assign({ label: 'minimal SQL transaction' }, server.minimalSql),
        0.7,
      ),
    )
  } catch (e) {
    console.log('  PostgreSQL server benchmark skipped: '.concat(e.message))
  }
}
if (want('scale')) {
  console.log('scale: requestJoin in a group of 1,000,000 vs 10, and memory per membership…')
  var r = await (0, bench_scale_js_1.benchScale)()
  var latencyRatio = r.inBig.p50Ms / r.inSmall.p50Ms
  extras.bytesPerMembership = r.bytesPerMembership
  rows.push({
    name: 'p50 latency, 1,000,000-member group ÷ 10-member group',
    subject: __assign({ label: '1M group' }, r.inBig),
    baseline: __assign({ label: '10-member group' }, r.inSmall),
    ratio: latencyRatio,
    target: '≤ 1.2',
    met: latencyRatio <= 1.2,
  })
  console.log(
    '  memory per membership (in-memory store): '
      .concat((0, stats_js_1.fmt)(r.bytesPerMembership, 0), ' bytes (target \u2264 300)')
      .concat(r.gcExposed ? '' : ' — run with --expose-gc for a settled figure'),
  )
  extras.memoryTargetMet = r.bytesPerMembership <= 300
}
var table = (0, report_js_1.printTable)(rows)
console.log('\n'.concat(table, '\n'))
if (extras.bytesPerMembership !== undefined)
  console.log(
    'memory per membership: '.concat((0, stats_js_1.fmt)(extras.bytesPerMembership, 0), ' bytes (target \u2264 300)'),
  )
var results = (0, node_url_1.fileURLToPath)(new URL('../results', import.meta.url))
;(0, report_js_1.writeResults)(
  results,
  only ? 'latest-'.concat(only) : 'latest',
  { date: new Date().toISOString(), node: process.version, rows: rows, extras: extras },
  (0, report_js_1.chart)(
    rows
      .filter((r) => r.target.startsWith('≥') && r.target !== '≥ 0×')
      .map((r) => ({ name: r.name, ratio: r.ratio, target: Number(r.target.replace(/[^0-9.]/g, '')) })),
  ),
)
console.log('written to '.concat(results))
