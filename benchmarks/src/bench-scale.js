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
exports.benchScale = benchScale
var core_1 = require('@joinery/core')
var stats_js_1 = require('./stats.js')
function joinLatency(joinery, code, prefix, n) {
  return __awaiter(this, void 0, void 0, function () {
    var latencies, started, i, t, r
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          latencies = []
          started = performance.now()
          i = 0
          _a.label = 1
        case 1:
          if (!(i < n)) return [3 /*break*/, 4]
          t = performance.now()
          return [4 /*yield*/, joinery.requestJoinByCode({ actor: ''.concat(prefix).concat(i), code: code })]
        case 2:
          r = _a.sent()
          if (r.isErr()) throw new Error(r.error.code)
          latencies.push(performance.now() - t)
          _a.label = 3
        case 3:
          i++
          return [3 /*break*/, 1]
        case 4:
          return [2 /*return*/, (0, stats_js_1.figuresOf)(latencies, performance.now() - started)]
      }
    })
  })
}
/**
 * requestJoin latency in a group of 1,000,000 members vs a group of 10, on the in-memory store, and the heap each
 * membership costs there (run with --expose-gc for a settled figure).
 */
function benchScale() {
  return __awaiter(this, arguments, void 0, function (members, n) {
    var gc, store, joinery, small, big, before, _loop_1, i, bytesPerMembership, smallCode, bigCode, inSmall, inBig
    if (members === void 0) {
      members = 1000000
    }
    if (n === void 0) {
      n = 20000
    }
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          gc = globalThis.gc
          store = (0, core_1.createInMemoryStore)({ eventLogLimit: 1000 })
          joinery = (0, core_1.createJoinery)({ store: store })
          return [
            4 /*yield*/,
            joinery.createGroup({
              actor: 'owner',
              name: 'Small',
              admission: 'open',
              initialMembers: Array.from({ length: 9 }, (_, i) => 's'.concat(i)),
            }),
          ]
        case 1:
          small = _a.sent()._unsafeUnwrap()
          return [4 /*yield*/, joinery.createGroup({ actor: 'owner', name: 'Big', admission: 'open' })]
        case 2:
          big = _a.sent()._unsafeUnwrap()
          gc === null || gc === void 0 ? void 0 : gc()
          before = process.memoryUsage().heapUsed
          _loop_1 = function (i) {
            var userIds
            return __generator(this, (_b) => {
              switch (_b.label) {
                case 0:
                  userIds = Array.from({ length: Math.min(10000, members - i) }, (_, k) => 'seed'.concat(i + k))
                  return [4 /*yield*/, joinery.addMembers({ actor: 'owner', groupId: big.id, userIds: userIds })]
                case 1:
                  _b.sent()._unsafeUnwrap()
                  return [2 /*return*/]
              }
            })
          }
          i = 1
          _a.label = 3
        case 3:
          if (!(i < members)) return [3 /*break*/, 6]
          return [5 /*yield**/, _loop_1(i)]
        case 4:
          _a.sent()
          _a.label = 5
        case 5:
          i += 10000
          return [3 /*break*/, 3]
        case 6:
          gc === null || gc === void 0 ? void 0 : gc()
          bytesPerMembership = (process.memoryUsage().heapUsed - before) / (members - 1)
          return [4 /*yield*/, joinery.createJoinLink({ actor: 'owner', groupId: small.id })]
        case 7:
          smallCode = _a.sent()._unsafeUnwrap().code
          return [4 /*yield*/, joinery.createJoinLink({ actor: 'owner', groupId: big.id })]
        case 8:
          bigCode = _a.sent()._unsafeUnwrap().code
          return [4 /*yield*/, joinLatency(joinery, smallCode, 'warm-small', 2000)]
        case 9:
          _a.sent()
          return [4 /*yield*/, joinLatency(joinery, bigCode, 'warm-big', 2000)]
        case 10:
          _a.sent()
          return [4 /*yield*/, joinLatency(joinery, smallCode, 'small', n)]
        case 11:
          inSmall = _a.sent()
          return [4 /*yield*/, joinLatency(joinery, bigCode, 'big', n)]
        case 12:
          inBig = _a.sent()
          return [
            2 /*return*/,
            { inSmall: inSmall, inBig: inBig, bytesPerMembership: bytesPerMembership, gcExposed: gc !== undefined },
          ]
      }
    })
  })
}
