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
exports.benchXrpc = benchXrpc
exports.benchBitrix = benchBitrix
var node_http_1 = require('node:http')
var crypto_1 = require('@atproto/crypto')
var xrpc_server_1 = require('@atproto/xrpc-server')
var atproto_adapter_1 = require('@joinery/atproto-adapter')
var bitrix_adapter_1 = require('@joinery/bitrix-adapter')
var core_1 = require('@joinery/core')
var run_load_js_1 = require('./run-load.js')
var SERVICE_DID = 'did:web:bench.joinery.test'
var NSID = 'chat.bsky.group.requestJoin'
function listenOn(handler) {
  return __awaiter(this, void 0, void 0, function () {
    var server
    return __generator(this, (_a) => {
      switch (_a.label) {
        case 0:
          server = (0, node_http_1.createServer)(handler)
          return [4 /*yield*/, new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))]
        case 1:
          _a.sent()
          return [2 /*return*/, { server: server, url: 'http://127.0.0.1:'.concat(server.address().port) }]
      }
    })
  })
}
var close = (server) =>
  new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
/** requestJoin through the atproto adapter vs an xrpc-server constant answer (same verifyJwt) vs bare node:http. */
function benchXrpc() {
  return __awaiter(this, arguments, void 0, function (users) {
    var joinery,
      group,
      code,
      exp,
      requests,
      i,
      keypair,
      token,
      adapter,
      sample,
      body,
      constant,
      xrpcConstant,
      bare,
      load
    var _a
    if (users === void 0) {
      users = 500
    }
    return __generator(this, (_b) => {
      switch (_b.label) {
        case 0:
          joinery = (0, core_1.createJoinery)({ store: (0, core_1.createInMemoryStore)({ eventLogLimit: 1000 }) })
          return [
            4 /*yield*/,
            joinery.createGroup({
              actor: 'did:key:owner',
              name: 'Bench',
              admission: 'invite-only',
              visibility: 'hidden',
            }),
          ]
        case 1:
          group = _b.sent()._unsafeUnwrap()
          return [4 /*yield*/, joinery.createJoinLink({ actor: 'did:key:owner', groupId: group.id })]
        case 2:
          code = _b.sent()._unsafeUnwrap().code
          exp = Math.floor(Date.now() / 1000) + 3600
          requests = []
          i = 0
          _b.label = 3
        case 3:
          if (!(i < users)) return [3 /*break*/, 7]
          return [4 /*yield*/, crypto_1.Secp256k1Keypair.create()]
        case 4:
          keypair = _b.sent()
          return [
            4 /*yield*/,
            (0, xrpc_server_1.createServiceJwt)({
              iss: keypair.did(),
              aud: SERVICE_DID,
              lxm: NSID,
              keypair: keypair,
              exp: exp,
            }),
          ]
        case 5:
          token = _b.sent()
          requests.push({
            headers: { authorization: 'Bearer '.concat(token), 'content-type': 'application/json' },
            body: JSON.stringify({ code: code }),
          })
          _b.label = 6
        case 6:
          i++
          return [3 /*break*/, 3]
        case 7:
          return [
            4 /*yield*/,
            listenOn(
              (0, atproto_adapter_1.createJoineryXrpcServer)({ joinery: joinery, serviceDid: SERVICE_DID }).router,
            ),
            // The adapter's own answer, to serve as the constant body of the baselines.
          ]
        case 8:
          adapter = _b.sent()
          return [
            4 /*yield*/,
            fetch(''.concat(adapter.url, '/xrpc/').concat(NSID), __assign({ method: 'POST' }, requests[0])),
          ]
        case 9:
          sample = _b.sent()
          return [4 /*yield*/, sample.text()]
        case 10:
          body = _b.sent()
          constant = (0, xrpc_server_1.createServer)(atproto_adapter_1.LEXICONS)
          constant.method(NSID, {
            auth: (_a) =>
              __awaiter(this, [_a], void 0, function (_b) {
                var token, payload
                var _c
                var req = _b.req
                return __generator(this, (_d) => {
                  switch (_d.label) {
                    case 0:
                      token = ((_c = req.headers.authorization) !== null && _c !== void 0 ? _c : '').slice(7)
                      return [
                        4 /*yield*/,
                        (0, xrpc_server_1.verifyJwt)(token, SERVICE_DID, NSID, (iss) =>
                          __awaiter(this, void 0, void 0, function () {
                            return __generator(this, (_a) => [2 /*return*/, iss])
                          }),
                        ),
                      ]
                    case 1:
                      payload = _d.sent()
                      return [2 /*return*/, { credentials: { did: payload.iss } }]
                  }
                })
              }),
            handler: () =>
              __awaiter(this, void 0, void 0, function () {
                return __generator(this, (_a) => [
                  2 /*return*/,
                  { encoding: 'application/json', body: JSON.parse(body) },
                ])
              }),
          })
          return [4 /*yield*/, listenOn(constant.router)]
        case 11:
          xrpcConstant = _b.sent()
          return [
            4 /*yield*/,
            listenOn((req, res) => {
              req.resume()
              req.on('end', () => {
                res.writeHead(200, {
                  'content-type': 'application/json; charset=utf-8',
                  'content-length': Buffer.byteLength(body),
                })
                res.end(body)
              })
            }),
          ]
        case 12:
          bare = _b.sent()
          _b.label = 13
        case 13:
          _b.trys.push([13, , 17, 19])
          load = (url) =>
            (0, run_load_js_1.runLoad)({ url: url, method: 'POST', path: '/xrpc/'.concat(NSID), requests: requests })
          _a = {}
          return [4 /*yield*/, load(adapter.url)]
        case 14:
          _a.adapter = _b.sent()
          return [4 /*yield*/, load(xrpcConstant.url)]
        case 15:
          _a.xrpcConstant = _b.sent()
          return [4 /*yield*/, load(bare.url)]
        case 16:
          return [2 /*return*/, ((_a.bareHttp = _b.sent()), _a)]
        case 17:
          return [4 /*yield*/, Promise.all([close(adapter.server), close(xrpcConstant.server), close(bare.server)])]
        case 18:
          _b.sent()
          return [7 /*endfinally*/]
        case 19:
          return [2 /*return*/]
      }
    })
  })
}
/** sonet_group.user.request through the Bitrix24 adapter vs a bare node:http handler answering the same envelope. */
function benchBitrix() {
  return __awaiter(this, arguments, void 0, function (users) {
    var joinery, group, hooks, handler, adapter, requests, sample, envelope, bare, load
    var _a
    var _b, _c, _d
    if (users === void 0) {
      users = 500
    }
    return __generator(this, (_e) => {
      switch (_e.label) {
        case 0:
          joinery = (0, core_1.createJoinery)({
            store: (0, core_1.createInMemoryStore)({ eventLogLimit: 1000 }),
            ids: (0, core_1.createSequentialIdGenerator)(),
          })
          return [4 /*yield*/, joinery.createGroup({ actor: '1', name: 'Bench', admission: 'open' })]
        case 1:
          group = _e.sent()._unsafeUnwrap()
          hooks = Array.from({ length: users }, (_, i) => ({ userId: String(i + 2), code: 'hook-'.concat(i + 2) }))
          handler = (0, bitrix_adapter_1.createBitrixHandler)({
            joinery: joinery,
            auth: (0, bitrix_adapter_1.createWebhookAuth)(hooks),
            rateLimit: false,
          })
          return [4 /*yield*/, listenOn((req, res) => void handler(req, res))]
        case 2:
          adapter = _e.sent()
          requests = hooks.map((h) => ({
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ GROUP_ID: Number(group.id), MESSAGE: 'bench' }),
            path: '/rest/'.concat(h.userId, '/').concat(h.code, '/sonet_group.user.request'),
          }))
          return [
            4 /*yield*/,
            fetch(''.concat(adapter.url).concat((_b = requests[0]) === null || _b === void 0 ? void 0 : _b.path), {
              method: 'POST',
              headers: (_c = requests[0]) === null || _c === void 0 ? void 0 : _c.headers,
              body: (_d = requests[0]) === null || _d === void 0 ? void 0 : _d.body,
            }),
          ]
        case 3:
          sample = _e.sent()
          return [4 /*yield*/, sample.json()]
        case 4:
          envelope = _e.sent()
          return [
            4 /*yield*/,
            listenOn((req, res) => {
              req.resume()
              req.on('end', () => {
                // The same envelope, with a fresh time block, as a minimal Bitrix24-shaped endpoint would send.
                var text = JSON.stringify({
                  result: envelope.result,
                  time: __assign(__assign({}, envelope.time), { finish: Date.now() / 1000 }),
                })
                res.writeHead(200, {
                  'content-type': 'application/json; charset=utf-8',
                  'content-length': Buffer.byteLength(text),
                })
                res.end(text)
              })
            }),
          ]
        case 5:
          bare = _e.sent()
          _e.label = 6
        case 6:
          _e.trys.push([6, , 9, 11])
          load = (url) => (0, run_load_js_1.runLoad)({ url: url, method: 'POST', path: '/', requests: requests })
          _a = {}
          return [4 /*yield*/, load(adapter.url)]
        case 7:
          _a.adapter = _e.sent()
          return [4 /*yield*/, load(bare.url)]
        case 8:
          return [2 /*return*/, ((_a.bareHttp = _e.sent()), _a)]
        case 9:
          return [4 /*yield*/, Promise.all([close(adapter.server), close(bare.server)])]
        case 10:
          _e.sent()
          return [7 /*endfinally*/]
        case 11:
          return [2 /*return*/]
      }
    })
  })
}
