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
exports.benchPglite = benchPglite
exports.benchPostgresServer = benchPostgresServer
var pglite_1 = require('@electric-sql/pglite')
var core_1 = require('@joinery/core')
var postgres_store_1 = require('@joinery/postgres-store')
var testing_1 = require('@joinery/postgres-store/testing')
var pg_1 = require('pg')
var stats_js_1 = require('./stats.js')
/** Runs `n` operations with `concurrency` in flight and measures each. */
function measure(n, concurrency, op) {
  return __awaiter(this, void 0, void 0, function () {
    var latencies, next, started
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          latencies = []
          next = 0
          started = performance.now()
          return [
            4 /*yield*/,
            Promise.all(
              Array.from({ length: concurrency }, () =>
                __awaiter(this, void 0, void 0, function () {
                  var i, t
                  return __generator(this, (_a) => {
                    switch (_a.label) {
                      case 0:
                        if (!(next < n)) return [3 /*break*/, 2]
                        i = next++
                        t = performance.now()
                        return [4 /*yield*/, op(i)]
                      case 1:
                        _a.sent()
                        latencies.push(performance.now() - t)
                        return [3 /*break*/, 0]
                      case 2:
                        return [2 /*return*/]
                    }
                  })
                }),
              ),
            ),
          ]
        case 1:
          _a.sent()
          return [2 /*return*/, (0, stats_js_1.figuresOf)(latencies, performance.now() - started)]
      }
    })
  })
}
/**
 * The same writes as a join, by hand: one transaction that inserts the membership, takes the seat and writes the
 * event to the outbox. What any store must do at least.
 */
function minimalJoin(db, schema, groupId, user) {
  return __awaiter(this, void 0, void 0, function () {
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          return [
            4 /*yield*/,
            db.transaction((tx) =>
              __awaiter(this, void 0, void 0, function () {
                return __generator(this, (_a) => {
                  switch (_a.label) {
                    case 0:
                      return [
                        4 /*yield*/,
                        tx.query(
                          'INSERT INTO '.concat(
                            schema,
                            ".memberships (group_id, user_id, role, joined_at, source_kind, source_code) VALUES ($1, $2, 'member', now(), 'link', 'c') ON CONFLICT DO NOTHING",
                          ),
                          [groupId, user],
                        ),
                      ]
                    case 1:
                      _a.sent()
                      return [
                        4 /*yield*/,
                        tx.query(
                          'UPDATE '.concat(
                            schema,
                            '.groups SET member_count = member_count + 1 WHERE id = $1 AND (member_limit IS NULL OR member_count < member_limit)',
                          ),
                          [groupId],
                        ),
                      ]
                    case 2:
                      _a.sent()
                      return [
                        4 /*yield*/,
                        tx.query(
                          'INSERT INTO '.concat(
                            schema,
                            ".outbox (group_id, type, event) VALUES ($1, 'MemberJoined', $2)",
                          ),
                          [groupId, JSON.stringify({ user: user })],
                        ),
                      ]
                    case 3:
                      _a.sent()
                      return [2 /*return*/]
                  }
                })
              }),
            ),
          ]
        case 1:
          _a.sent()
          return [2 /*return*/]
      }
    })
  })
}
function benchOn(db, n, concurrency) {
  return __awaiter(this, void 0, void 0, function () {
    var joinery, group, code, joineryFigures, minimalFigures
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          return [4 /*yield*/, (0, postgres_store_1.migrate)(db, 'bench_joinery')]
        case 1:
          _a.sent()
          return [4 /*yield*/, (0, postgres_store_1.migrate)(db, 'bench_minimal')]
        case 2:
          _a.sent()
          joinery = (0, core_1.createJoinery)({
            store: (0, postgres_store_1.createPostgresStore)(db, { schema: 'bench_joinery' }),
          })
          return [4 /*yield*/, joinery.createGroup({ actor: 'owner', name: 'Bench', admission: 'open' })]
        case 3:
          group = _a.sent()._unsafeUnwrap()
          return [4 /*yield*/, joinery.createJoinLink({ actor: 'owner', groupId: group.id })]
        case 4:
          code = _a.sent()._unsafeUnwrap().code
          return [
            4 /*yield*/,
            db.query(
              "INSERT INTO bench_minimal.groups (id, name, description, owner_id, created_at, member_limit, lock_status, admission, visibility, approvers, allow_multiple_links)\n     VALUES ('g', 'Bench', '', 'owner', now(), NULL, 'unlocked', 'open', 'public', 'owner', false)",
            ),
          ]
        case 5:
          _a.sent()
          return [
            4 /*yield*/,
            measure(n, concurrency, (i) =>
              __awaiter(this, void 0, void 0, function () {
                var r
                return __generator(this, (_a) => {
                  switch (_a.label) {
                    case 0:
                      return [4 /*yield*/, joinery.requestJoinByCode({ actor: 'user'.concat(i), code: code })]
                    case 1:
                      r = _a.sent()
                      if (r.isErr()) throw new Error('join failed: '.concat(r.error.code))
                      return [2 /*return*/]
                  }
                })
              }),
            ),
          ]
        case 6:
          joineryFigures = _a.sent()
          return [4 /*yield*/, measure(n, concurrency, (i) => minimalJoin(db, 'bench_minimal', 'g', 'user'.concat(i)))]
        case 7:
          minimalFigures = _a.sent()
          return [2 /*return*/, { joinery: joineryFigures, minimalSql: minimalFigures }]
      }
    })
  })
}
function benchPglite() {
  return __awaiter(this, arguments, void 0, function (n) {
    var pglite
    if (n === void 0) {
      n = 2000
    }
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          pglite = new pglite_1.PGlite()
          _a.label = 1
        case 1:
          _a.trys.push([1, , 3, 5])
          return [4 /*yield*/, benchOn((0, postgres_store_1.fromPglite)(pglite), n, 1)]
        case 2:
          return [2 /*return*/, _a.sent()]
        case 3:
          return [4 /*yield*/, pglite.close()]
        case 4:
          _a.sent()
          return [7 /*endfinally*/]
        case 5:
          return [2 /*return*/]
      }
    })
  })
}
function benchPostgresServer() {
  return __awaiter(this, arguments, void 0, function (n) {
    var server, pool
    if (n === void 0) {
      n = 4000
    }
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          return [4 /*yield*/, (0, testing_1.startThrowawayPostgres)()]
        case 1:
          server = _a.sent()
          pool = new pg_1.default.Pool({ connectionString: server.url, max: 16 })
          pool.on('error', () => {})
          _a.label = 2
        case 2:
          _a.trys.push([2, , 4, 7])
          return [4 /*yield*/, benchOn((0, postgres_store_1.fromPgPool)(pool), n, 16)]
        case 3:
          return [2 /*return*/, _a.sent()]
        case 4:
          return [4 /*yield*/, pool.end()]
        case 5:
          _a.sent()
          return [4 /*yield*/, server.stop()]
        case 6:
          _a.sent()
          return [7 /*endfinally*/]
        case 7:
          return [2 /*return*/]
      }
    })
  })
}
