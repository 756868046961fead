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
exports.fmt = void 0
exports.percentile = percentile
exports.figuresOf = figuresOf
function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  var index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}
function figuresOf(latenciesMs, elapsedMs) {
  var sorted = __spreadArray([], latenciesMs, true).sort((a, b) => a - b)
  return {
    opsPerSecond: (sorted.length / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    count: sorted.length,
  }
}
var fmt = (n, digits) => {
  if (digits === void 0) {
    digits = 1
  }
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}
exports.fmt = fmt
