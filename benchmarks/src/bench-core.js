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
exports.benchCore = benchCore
var core_1 = require('@joinery/core')
var stats_js_1 = require('./stats.js')
/** The same checks as an open-link join, written by hand on plain Maps: the fastest honest baseline. */
function createMapBaseline() {
  var groups = new Map()
  var links = new Map()
  var members = new Map()
  var removals = new Set()
  return {
    setup: (groupId, code) => {
      groups.set(groupId, { limit: null, count: 0, locked: false })
      links.set(code, { groupId: groupId, enabled: true, expiresAt: null })
      members.set(groupId, new Map())
    },
    join: function (user, code) {
      return __awaiter(this, void 0, void 0, function () {
        var link, group, roster
        return __generator(this, (_a) => {
          link = links.get(code)
          if (!link) return [2 /*return*/, 'InvalidCode']
          group = groups.get(link.groupId)
          roster = members.get(link.groupId)
          if (!group || !roster) return [2 /*return*/, 'GroupNotFound']
          if (roster.has(user)) return [2 /*return*/, 'joined']
          if (removals.has(''.concat(link.groupId, ':').concat(user))) return [2 /*return*/, 'UserKicked']
          if (group.locked) return [2 /*return*/, 'GroupLocked']
          if (!link.enabled) return [2 /*return*/, 'LinkDisabled']
          if (link.expiresAt !== null && link.expiresAt <= Date.now()) return [2 /*return*/, 'LinkExpired']
          if (group.limit !== null && group.count >= group.limit) return [2 /*return*/, 'MemberLimitReached']
          roster.set(user, { joinedAt: Date.now(), code: code })
          group.count++
          return [2 /*return*/, 'joined']
        })
      })
    },
  }
}
function measure(n, join) {
  return __awaiter(this, void 0, void 0, function () {
    var latencies, started, i, t
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
          return [4 /*yield*/, join('user'.concat(i))]
        case 2:
          _a.sent()
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
/** requestJoin into an open group on the in-memory store vs the Map baseline, one join at a time. */
function benchCore() {
  return __awaiter(this, arguments, void 0, function (n) {
    var joinery, group, code, baseline, i, joineryFigures, baselineFigures
    if (n === void 0) {
      n = 30000
    }
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          joinery = (0, core_1.createJoinery)({ store: (0, core_1.createInMemoryStore)({ eventLogLimit: 1000 }) })
          return [4 /*yield*/, joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' })]
        case 1:
          group = _a.sent()._unsafeUnwrap()
          return [4 /*yield*/, joinery.createJoinLink({ actor: 'owner', groupId: group.id })]
        case 2:
          code = _a.sent()._unsafeUnwrap().code
          baseline = createMapBaseline()
          baseline.setup('g', 'c')
          i = 0
          _a.label = 3
        case 3:
          if (!(i < 2000)) return [3 /*break*/, 7]
          return [4 /*yield*/, joinery.requestJoinByCode({ actor: 'warm'.concat(i), code: code })]
        case 4:
          _a.sent()
          return [4 /*yield*/, baseline.join('warm'.concat(i), 'c')]
        case 5:
          _a.sent()
          _a.label = 6
        case 6:
          i++
          return [3 /*break*/, 3]
        case 7:
          return [
            4 /*yield*/,
            measure(n, (user) =>
              __awaiter(this, void 0, void 0, function () {
                var r
                return __generator(this, (_a) => {
                  switch (_a.label) {
                    case 0:
                      return [4 /*yield*/, joinery.requestJoinByCode({ actor: user, code: code })]
                    case 1:
                      r = _a.sent()
                      if (r.isErr() || r.value.status !== 'joined') throw new Error('join failed in the benchmark')
                      return [2 /*return*/]
                  }
                })
              }),
            ),
          ]
        case 8:
          joineryFigures = _a.sent()
          return [4 /*yield*/, measure(n, (user) => baseline.join(user, 'c'))]
        case 9:
          baselineFigures = _a.sent()
          return [2 /*return*/, { joinery: joineryFigures, baseline: baselineFigures }]
      }
    })
  })
}
