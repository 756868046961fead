import { jsonToLex, type LexiconDoc, Lexicons } from '@atproto/lexicon'
import { type AdapterOptions, didDocumentToServe } from './adapter-options.js'
import { type AdapterPlatform, type CallRequest, createCallPipeline, INTERNAL } from './call-pipeline.js'
import { LEXICONS, type ServedMethod } from './lexicons/index.js'
import type { XrpcErrorResult } from './xrpc-errors.js'

/** A request as a shell hands it over: enough of HTTP for XRPC, whatever the runtime. */
export interface DispatchRequest extends CallRequest {
  /** The HTTP method, upper case. */
  readonly method: string
  /** Path and query, relative to where the handler is mounted: `/xrpc/<nsid>?…`. */
  readonly url: string
  /** A request header by its lower-case name. */
  header(name: string): string | undefined
  /**
   * The body: a source of its bytes, or the value a body parser in front of the handler already made of it (Express
   * with `express.json()`), or `null` when there is none.
   */
  readonly body: { readonly parsed: unknown } | { readonly chunks: () => AsyncIterable<Uint8Array> } | null
}

/** What a shell writes back (without the body for HEAD). `sent` is called once the answer is out (for `onCall`). */
export interface DispatchAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The body; shells leave it out for HEAD. */
  readonly body: string
  readonly sent?: () => void
}

/** The most JSON a request body may hold, decoded: `express.json()`'s default, which xrpc-server uses. */
export const JSON_BODY_LIMIT = 100 * 1024

const JSON_TYPE = 'application/json; charset=utf-8'

/** XRPC's generic name and text for a status (`@atproto/xrpc` `ResponseType`), for errors that carry none. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Invalid Request',
  401: 'Authentication Required',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Rate Limit Exceeded',
  500: 'Internal Server Error',
  501: 'Method Not Implemented',
  502: 'Upstream Failure',
  503: 'Not Enough Resources',
}

/** An XRPC error answer as xrpc-server writes it: a 500 never says more than its status. */
function errorAnswer(e: XrpcErrorResult, headers: Readonly<Record<string, string>> = {}): DispatchAnswer {
  const message = e.status === 500 ? 'Internal Server Error' : e.message || (STATUS_TEXT[e.status] ?? '')
  return {
    status: e.status,
    headers: { ...headers, 'content-type': JSON_TYPE },
    body: JSON.stringify({ error: e.error, message }),
  }
}

const invalid = (message: string, error = 'InvalidRequest'): XrpcErrorResult => ({ status: 400, error, message })

/** Thrown inside the dispatch for a refusal: the one way out besides a normal answer. */
class Refusal {
  constructor(readonly answer: XrpcErrorResult) {}
}

/**
 * The NSID of an `/xrpc/<nsid>` URL, or `undefined` when the path is no valid one: letters, digits, `-` and `.`,
 * segments starting with a letter or digit, at least two characters, an optional trailing `/` before the query.
 */
function nsidOfUrl(url: string): string | undefined {
  if (!url.startsWith('/xrpc/')) return undefined
  const end = url.indexOf('?')
  let path = url.slice(6, end === -1 ? url.length : end)
  if (path.endsWith('/')) path = path.slice(0, -1)
  if (path.length < 2 || !/^[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/.test(path)) return undefined
  return path
}

/** The MIME type of a `Content-Type`, as xrpc-server reads it (`mime-types`): `null` when there is none. */
function mediaType(header: string | undefined): string | null {
  if (!header) return null
  // mime-types reads a bare word as a file extension; `json` is the only one that could name a JSON body.
  if (!header.includes('/')) return header === 'json' ? 'application/json' : null
  return header.split(';')[0] ?? null
}

/** The `charset` parameter of a `Content-Type`, lower case; `utf-8` when absent. */
function charsetOf(header: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header ?? '')
  return (match?.[1] ?? 'utf-8').toLowerCase()
}

/** Reads up to `limit` bytes (decompressed), refusing more with 413 as `express.json()` does. */
async function readBody(chunks: AsyncIterable<Uint8Array>, encoding: string, declared: number | null) {
  const tooLarge = () =>
    new Refusal({ status: 413, error: 'PayloadTooLargeError', message: 'request entity too large' })
  if (encoding === 'identity' && declared !== null && declared > JSON_BODY_LIMIT) throw tooLarge()
  let source: AsyncIterable<Uint8Array> = chunks
  if (encoding === 'gzip' || encoding === 'deflate') {
    const iterator = chunks[Symbol.asyncIterator]()
    const compressed = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
    })
    const reader = compressed.pipeThrough(new DecompressionStream(encoding)).getReader()
    source = {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) return
            yield value
          }
        } catch {
          throw new Refusal(invalid('the request body could not be decompressed'))
        } finally {
          reader.releaseLock()
        }
      },
    }
  } else if (encoding !== 'identity')
    throw new Refusal({
      status: 415,
      error: 'UnsupportedMediaTypeError',
      message: `unsupported content encoding "${encoding}"`,
    })
  const parts: Uint8Array[] = []
  let size = 0
  for await (const chunk of source) {
    size += chunk.length
    if (size > JSON_BODY_LIMIT) throw tooLarge()
    parts.push(chunk)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}

/**
 * `JSON.parse` under `express.json()`'s rules, with its errors (400 `SyntaxError`): an empty body is `{}`, and only an
 * object or an array is accepted at the top (`strict`), the refusal naming the first character as `JSON.parse`
 * would name it.
 */
function parseJsonBody(text: string): unknown {
  const syntaxError = (message: string) => new Refusal({ status: 400, error: 'SyntaxError', message })
  if (text.length === 0) return {}
  const first = /^[ \t\n\r]*([^ \t\n\r])/.exec(text)?.[1]
  if (first !== '{' && first !== '[') {
    // Let JSON.parse word the refusal: the text from the first character on replaced by `#`s, whose runs are then
    // put back, so the message quotes the body as sent.
    const at = first === undefined ? -1 : text.indexOf(first)
    const masked = at === -1 ? '' : text.slice(0, at) + '#'.repeat(text.length - at)
    try {
      JSON.parse(masked)
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      throw syntaxError(message.replace(/#+/g, (run) => text.slice(at, at + run.length)))
    }
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw syntaxError(e instanceof Error ? e.message : String(e))
  }
}

/** Query parameters as xrpc-server decodes them for a method's lexicon: by declared type, unknown names dropped. */
function decodeParams(
  search: string,
  properties: Readonly<Record<string, { type: string; items?: { type: string } }>>,
): Record<string, unknown> {
  const decoded: Record<string, unknown> = {}
  if (!search) return decoded
  const query = new URLSearchParams(search)
  const one = (type: string | undefined, value: unknown): unknown => {
    if (!value) return undefined
    if (type === 'string' || type === 'datetime') return String(value)
    if (type === 'float') return Number(String(value))
    if (type === 'integer') return Number.parseInt(String(value), 10) || 0
    if (type === 'boolean') return value === 'true'
    return undefined
  }
  for (const name of new Set(query.keys())) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined
    if (!property) continue
    const values = query.getAll(name)
    const value = values.length === 1 ? values[0] : values
    decoded[name] =
      property.type === 'array'
        ? value
          ? values.flatMap((v) => {
              const d = one(property.items?.type, v)
              return d === undefined ? [] : [d]
            })
          : undefined
        : one(property.type, value)
  }
  return decoded
}

interface MethodRoute {
  readonly nsid: ServedMethod
  readonly verb: 'GET' | 'POST'
  readonly properties: Readonly<Record<string, { type: string; items?: { type: string } }>>
}

/**
 * The one XRPC dispatch under both the Node handler and the web handler: the routes, parameter, body and response
 * checks of `@atproto/xrpc-server` (in its order: method, parameters, token, body, output) around the shared call
 * pipeline. Answers `null` for a path that is neither `/xrpc/…` nor the DID document, for the shell to pass on.
 */
export function createXrpcDispatch(options: AdapterOptions, platform: AdapterPlatform): XrpcDispatch {
  const pipeline = createCallPipeline(options, platform)
  const lexicons = new Lexicons(LEXICONS as LexiconDoc[])
  const didDocument = didDocumentToServe(options)
  const routes = new Map<string, MethodRoute>()
  for (const nsid of pipeline.served) {
    const def = lexicons.getDefOrThrow(nsid) as {
      type: string
      parameters?: { properties?: MethodRoute['properties'] }
    }
    routes.set(nsid.toLowerCase(), {
      nsid: nsid as ServedMethod,
      verb: def.type === 'procedure' ? 'POST' : 'GET',
      properties: def.parameters?.properties ?? {},
    })
  }

  /** The route of a path, matched as Express matches xrpc-server's routes: any case, one trailing `/` allowed. */
  function routeOf(path: string, verb: string): MethodRoute | undefined {
    let lower = path.toLowerCase()
    if (!lower.startsWith('/xrpc/')) return undefined
    if (lower.endsWith('/')) lower = lower.slice(0, -1)
    const route = routes.get(lower.slice(6))
    return route && (verb === route.verb || (verb === 'HEAD' && route.verb === 'GET')) ? route : undefined
  }

  /** xrpc-server's catch-all for `/xrpc/` paths no route took: a bad path, a wrong verb, or an unknown method. */
  function unrouted(request: DispatchRequest): DispatchAnswer | null {
    const nsid = nsidOfUrl(request.url)
    if (!nsid) return errorAnswer(invalid('invalid xrpc path'))
    const def = lexicons.getDef(nsid)
    const expected = def?.type === 'procedure' ? 'POST' : def?.type === 'query' ? 'GET' : null
    if (expected && expected !== request.method)
      return errorAnswer(invalid(`Incorrect HTTP method (${request.method}) expected ${expected}`))
    if (!def) return errorAnswer({ status: 501, error: 'MethodNotImplemented', message: 'Method Not Implemented' })
    return null
  }

  /** The validated JSON input of a procedure, or a refusal. */
  async function inputOf(route: MethodRoute, request: DispatchRequest): Promise<Record<string, unknown>> {
    const length = request.header('content-length')
    const presence =
      request.header('transfer-encoding') !== undefined
        ? 'present'
        : length === '0'
          ? 'empty'
          : length !== undefined || request.body !== null
            ? 'present'
            : 'missing'
    if (presence === 'missing') throw new Refusal(invalid('A request body is expected but none was provided'))
    const contentType = request.header('content-type')
    const type = mediaType(contentType)
    if (!type) throw new Refusal(invalid('Request encoding (Content-Type) required but not provided'))
    if (type !== 'application/json') throw new Refusal(invalid(`Wrong request encoding (Content-Type): ${type}`))
    let value: unknown = {}
    if (request.body && 'parsed' in request.body) value = request.body.parsed
    else if (request.body && contentType?.includes('/')) {
      // A bare `json` passes the encoding check but not the body parser's type check, which then reads nothing:
      // xrpc-server validates `{}`.
      const encoding = (request.header('content-encoding') ?? 'identity').toLowerCase()
      const declared = length === undefined ? null : Number.parseInt(length, 10)
      const bytes = await readBody(request.body.chunks(), encoding, Number.isNaN(declared) ? null : declared)
      const charset = charsetOf(contentType)
      if (!charset.startsWith('utf-'))
        throw new Refusal({
          status: 415,
          error: 'UnsupportedMediaTypeError',
          message: `unsupported charset "${charset.toUpperCase()}"`,
        })
      let text: string
      try {
        text = new TextDecoder(charset).decode(bytes)
      } catch {
        throw new Refusal({
          status: 415,
          error: 'UnsupportedMediaTypeError',
          message: 'specified encoding unsupported',
        })
      }
      value = parseJsonBody(text)
    }
    try {
      return lexicons.assertValidXrpcInput(
        route.nsid,
        value ? jsonToLex(value as Parameters<typeof jsonToLex>[0]) : value,
      ) as Record<string, unknown>
    } catch (cause) {
      throw new Refusal(invalid(cause instanceof Error ? cause.message : String(cause)))
    }
  }

  async function dispatch(request: DispatchRequest): Promise<DispatchAnswer | null> {
    const queryAt = request.url.indexOf('?')
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt)
    const head = request.method === 'HEAD'
    if (didDocument && (request.method === 'GET' || head) && /^\/\.well-known\/did\.json\/?$/i.test(path))
      return { status: 200, headers: { 'content-type': 'application/json' }, body: didDocument }
    const route = routeOf(path, request.method)
    if (!route) return request.url.startsWith('/xrpc/') ? unrouted(request) : null

    let params: Record<string, unknown>
    try {
      const decoded = decodeParams(queryAt === -1 ? '' : request.url.slice(queryAt + 1), route.properties)
      params = lexicons.assertValidXrpcParams(route.nsid, decoded) ?? {}
    } catch (cause) {
      return errorAnswer(invalid(String(cause)))
    }

    const started = Date.now()
    let caller: string | null = null
    const answered = (answer: DispatchAnswer): DispatchAnswer => {
      const { answered: hook } = pipeline
      if (!hook) return answer
      return {
        ...answer,
        sent: () => hook({ method: route.nsid, caller, status: answer.status, ms: Date.now() - started }),
      }
    }
    const auth = await pipeline.authenticate(route.nsid, request)
    if ('error' in auth) return answered(errorAnswer(auth.error))
    caller = auth.caller
    let input: Record<string, unknown> = {}
    if (route.verb === 'POST') {
      try {
        input = await inputOf(route, request)
      } catch (e) {
        if (e instanceof Refusal) return answered(errorAnswer(e.answer))
        pipeline.report(e, route.nsid)
        return answered(errorAnswer(INTERNAL))
      }
    } else if (request.header('transfer-encoding') !== undefined || (request.header('content-length') ?? '0') !== '0')
      return answered(errorAnswer(invalid('A request body was provided when none was expected')))
    const outcome = await pipeline.run(route.nsid, caller, input, params)
    if ('error' in outcome) return answered(errorAnswer(outcome.error, outcome.error.headers))
    try {
      // As xrpc-server with validateResponse: an answer the lexicon does not allow is our bug, not the caller's.
      lexicons.assertValidXrpcOutput(route.nsid, outcome.body)
    } catch (cause) {
      pipeline.report(cause, route.nsid)
      return answered(errorAnswer(INTERNAL))
    }
    return answered({ status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(outcome.body) })
  }

  return dispatch
}

/** One dispatch: a request in, its answer out, `null` for a path it does not serve. */
export type XrpcDispatch = (request: DispatchRequest) => Promise<DispatchAnswer | null>

/** The answer for a path the dispatch does not serve, when nothing else will: 404. */
export const NOT_FOUND: DispatchAnswer = errorAnswer({ status: 404, error: 'NotFound', message: 'Not Found' })
