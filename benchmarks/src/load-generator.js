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
var __awaiter =
  (this && this.__awaiter) ||
  ((thisArg, _arguments, P, generator) => {
    function adopt(value) {
      return value instanceof P
        ? value
        : new P((resolve) => {
            resolve(value)
          })
    }
    return new (P || (P = Promise))((resolve, reject) => {
      function fulfilled(value) {
        try {
          step(generator.next(value))
        } catch (e) {
          reject(e)
        }
      }
      function rejected(value) {
        try {
          step(generator['throw'](value))
        } catch (e) {
          reject(e)
        }
      }
      function step(result) {
        result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected)
      }
      step((generator = generator.apply(thisArg, _arguments || [])).next())
    })
  })
var __generator =
  (this && this.__generator) ||
  ((thisArg, body) => {
    var _ = {
        label: 0,
        sent: () => {
          if (t[0] & 1) throw t[1]
          return t[1]
        },
        trys: [],
        ops: [],
      },
      f,
      y,
      t,
      g = Object.create((typeof Iterator === 'function' ? Iterator : Object).prototype)
    return (
      (g.next = verb(0)),
      (g['throw'] = verb(1)),
      (g['return'] = verb(2)),
      typeof Symbol === 'function' &&
        (g[Symbol.iterator] = function () {
          return this
        }),
      g
    )
    function verb(n) {
      return (v) => step([n, v])
    }
    function step(op) {
      if (f) throw new TypeError('Generator is already executing.')
      while ((g && ((g = 0), op[0] && (_ = 0)), _))
        try {
          if (
            ((f = 1),
            y &&
              (t = op[0] & 2 ? y['return'] : op[0] ? y['throw'] || ((t = y['return']) && t.call(y), 0) : y.next) &&
              !(t = t.call(y, op[1])).done)
          )
            return t
          if (((y = 0), t)) op = [op[0] & 2, t.value]
          switch (op[0]) {
            case 0:
            case 1:
              t = op
              break
            case 4:
              _.label++
              return { value: op[1], done: false }
            case 5:
              _.label++
              y = op[1]
              op = [0]
              continue
            case 7:
              op = _.ops.pop()
              _.trys.pop()
              continue
            default:
              if (!((t = _.trys), (t = t.length > 0 && t[t.length - 1])) && (op[0] === 6 || op[0] === 2)) {
                _ = 0
                continue
              }
              if (op[0] === 3 && (!t || (op[1] > t[0] && op[1] < t[3]))) {
                _.label = op[1]
                break
              }
              if (op[0] === 6 && _.label < t[1]) {
                _.label = t[1]
                t = op
                break
              }
              if (t && _.label < t[2]) {
                _.label = t[2]
                _.ops.push(op)
                break
              }
              if (t[2]) _.ops.pop()
              _.trys.pop()
              continue
          }
          op = body.call(thisArg, _)
        } catch (e) {
          op = [6, e]
          y = 0
        } finally {
          f = t = 0
        }
      if (op[0] & 5) throw op[1]
      return { value: op[0] ? op[1] : void 0, done: true }
    }
  })
Object.defineProperty(exports, '__esModule', { value: true })
// The load generator: a separate process, so the server under test does not share its event loop with the load.
// Input (JSON file path in argv[2]): { url, method, path, requests: [{ headers, body }], connections, durationMs }.
// Requests are sent round-robin from the list. Output: one JSON line with figures and status counts.
var node_fs_1 = require('node:fs')
var undici_1 = require('undici')
var stats_js_1 = require('./stats.js')
var spec = JSON.parse((0, node_fs_1.readFileSync)(process.argv[2], 'utf8'))
var pool = new undici_1.Pool(spec.url, { connections: spec.connections, pipelining: 1 })
var next = 0
var latencies = []
var statuses = {}
var measuring = false
function worker(stopAt) {
  return __awaiter(this, void 0, void 0, function () {
    var r, started_1, res, _a
    var _b, _c, _d, _e
    return __generator(this, (_f) => {
      switch (_f.label) {
        case 0:
          if (!(Date.now() < stopAt)) return [3 /*break*/, 6]
          r = spec.requests[next++ % spec.requests.length]
          if (!r) return [3 /*break*/, 6]
          started_1 = performance.now()
          _f.label = 1
        case 1:
          _f.trys.push([1, 4, , 5])
          return [
            4 /*yield*/,
            pool.request({
              method: spec.method,
              path: (_b = r.path) !== null && _b !== void 0 ? _b : spec.path,
              headers: r.headers,
              body: (_c = r.body) !== null && _c !== void 0 ? _c : null,
            }),
          ]
        case 2:
          res = _f.sent()
          return [4 /*yield*/, res.body.dump()]
        case 3:
          _f.sent()
          if (measuring) {
            latencies.push(performance.now() - started_1)
            statuses[res.statusCode] = ((_d = statuses[res.statusCode]) !== null && _d !== void 0 ? _d : 0) + 1
          }
          return [3 /*break*/, 5]
        case 4:
          _a = _f.sent()
          if (measuring) statuses.error = ((_e = statuses.error) !== null && _e !== void 0 ? _e : 0) + 1
          return [3 /*break*/, 5]
        case 5:
          return [3 /*break*/, 0]
        case 6:
          return [2 /*return*/]
      }
    })
  })
}
// Warm up (connections, JIT), then measure.
await Promise.all(Array.from({ length: spec.connections }, () => worker(Date.now() + spec.warmupMs)))
measuring = true
var started = performance.now()
await Promise.all(Array.from({ length: spec.connections }, () => worker(Date.now() + spec.durationMs)))
var elapsed = performance.now() - started
await pool.close()
process.stdout.write(
  ''.concat(
    JSON.stringify(__assign(__assign({}, (0, stats_js_1.figuresOf)(latencies, elapsed)), { statuses: statuses })),
    '\n',
  ),
)
