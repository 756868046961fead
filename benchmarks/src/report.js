var __spreadArray =
  (this && this.__spreadArray) ||
  function (to, from, pack) {
    if (pack || arguments.length === 2)
      for (var i = 0, l = from.length, ar; i < l; i++) {
        if (ar || !(i in from)) {
          if (!ar) ar = Array.prototype.slice.call(from, 0, i)
          ar[i] = from[i]
        }
      }
    return to.concat(ar || Array.prototype.slice.call(from))
  }
Object.defineProperty(exports, '__esModule', { value: true })
exports.printTable = printTable
exports.chart = chart
exports.writeResults = writeResults
var node_fs_1 = require('node:fs')
var stats_js_1 = require('./stats.js')
function printTable(rows) {
  var lines = __spreadArray(
    [
      '| benchmark | Joinery ops/s (p50 / p99 ms) | baseline | baseline ops/s (p50 / p99 ms) | ratio | target | met |',
      '|---|---|---|---|---|---|---|',
    ],
    rows.map((r) =>
      '| '
        .concat(r.name, ' | ')
        .concat((0, stats_js_1.fmt)(r.subject.opsPerSecond, 0), ' (')
        .concat((0, stats_js_1.fmt)(r.subject.p50Ms, 3), ' / ')
        .concat((0, stats_js_1.fmt)(r.subject.p99Ms, 3), ') | ')
        .concat(r.baseline.label, ' | ')
        .concat((0, stats_js_1.fmt)(r.baseline.opsPerSecond, 0), ' (')
        .concat((0, stats_js_1.fmt)(r.baseline.p50Ms, 3), ' / ')
        .concat((0, stats_js_1.fmt)(r.baseline.p99Ms, 3), ') | ')
        .concat((0, stats_js_1.fmt)(r.ratio, 2), ' | ')
        .concat(r.target, ' | ')
        .concat(r.met ? 'yes' : 'no', ' |'),
    ),
    true,
  )
  return lines.join('\n')
}
/** A bar chart of the ratios against their targets, as SVG. */
function chart(rows) {
  var width = 760
  var barHeight = 26
  var left = 260
  var max = Math.max.apply(
    Math,
    __spreadArray(
      __spreadArray(
        [1.5],
        rows.map((r) => r.ratio),
        false,
      ),
      rows.map((r) => r.target),
      false,
    ),
  )
  var x = (v) => left + (v / max) * (width - left - 40)
  var bars = rows
    .map((r, i) => {
      var y = 30 + i * (barHeight + 10)
      var ok = r.ratio >= r.target
      return [
        '<text x="'
          .concat(left - 8, '" y="')
          .concat(y + 18, '" text-anchor="end" font-size="13">')
          .concat(escape(r.name), '</text>'),
        '<rect x="'
          .concat(left, '" y="')
          .concat(y, '" width="')
          .concat(x(r.ratio) - left, '" height="')
          .concat(barHeight, '" fill="')
          .concat(ok ? '#3a8' : '#d64', '"/>'),
        '<line x1="'
          .concat(x(r.target), '" x2="')
          .concat(x(r.target), '" y1="')
          .concat(y - 3, '" y2="')
          .concat(y + barHeight + 3, '" stroke="#222" stroke-width="2"/>'),
        '<text x="'
          .concat(x(r.ratio) + 6, '" y="')
          .concat(y + 18, '" font-size="12">')
          .concat(r.ratio.toFixed(2), '\u00D7</text>'),
      ].join('')
    })
    .join('\n')
  var height = 40 + rows.length * (barHeight + 10)
  return '<svg xmlns="http://www.w3.org/2000/svg" width="'
    .concat(width, '" height="')
    .concat(
      height,
      '" font-family="sans-serif">\n<text x="10" y="18" font-size="14" font-weight="bold">Joinery \u00F7 baseline (black line: target)</text>\n',
    )
    .concat(bars, '\n</svg>\n')
}
function escape(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
}
function writeResults(dir, name, data, svg) {
  ;(0, node_fs_1.mkdirSync)(dir, { recursive: true })
  ;(0, node_fs_1.writeFileSync)(
    ''.concat(dir, '/').concat(name, '.json'),
    ''.concat(JSON.stringify(data, null, 2), '\n'),
  )
  ;(0, node_fs_1.writeFileSync)(''.concat(dir, '/').concat(name, '.svg'), svg)
}
