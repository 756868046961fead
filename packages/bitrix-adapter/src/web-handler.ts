import { type BitrixProtocolOptions, checkProtocolOptions, createBitrixProtocol } from './protocol.js'
import { assembleCall, bodyParams } from './wire/body.js'
import { type BitrixError, bitrixError } from './wire/envelope.js'
import { MAX_BODY_BYTES, type RestCall, readRoute } from './wire/route.js'

export interface BitrixFetchHandlerOptions<Context = unknown> extends BitrixProtocolOptions {
  /**
   * The client's IP address, which the wrong-credential limit counts against. A `Request` has no socket, so the host
   * says where it is: from the runtime's connection info passed as the handler's second argument
   * (`(request, info) => info.remoteAddr.hostname` on Deno, `env.incoming.socket.remoteAddress` under
   * `@hono/node-server`) or from a header its proxy sets (`cf-connecting-ip`, the last hop of `x-forwarded-for`).
   * Required unless `credentialFailureLimit` is `false`: without it every client would share one count, and one
   * guesser would lock everyone out.
   */
  readonly clientAddress?: (request: Request, context: Context) => string | null | undefined
}

/** A web-standard handler: `(Request) => Promise<Response>`; the optional second argument goes to `clientAddress`. */
export type BitrixFetchHandler<Context = unknown> = (request: Request, context?: Context) => Promise<Response>

const OWNER = 'createBitrixFetchHandler'

/**
 * A web-standard handler answering Bitrix24 REST calls (`/rest/...`) with the `sonet_group.*` family and `batch`:
 * `(request: Request) => Promise<Response>`, for Hono, Next.js route handlers, Bun, Deno and Workers. Uses only web
 * platform APIs (no `node:` import). The same protocol as `createBitrixHandler`, which is the faster choice on
 * `node:http`.
 * @example
 * const handler = createBitrixFetchHandler({ joinery, auth, clientAddress: (req) => req.headers.get('cf-connecting-ip') })
 * export default { fetch: (request: Request) => handler(request) }
 */
export function createBitrixFetchHandler<Context = unknown>(
  options: BitrixFetchHandlerOptions<Context>,
): BitrixFetchHandler<Context> {
  checkProtocolOptions(OWNER, options)
  const { clientAddress } = options
  if (clientAddress !== undefined && typeof clientAddress !== 'function')
    throw new TypeError(`${OWNER}: clientAddress must be a function (request, context) => string`)
  if (clientAddress === undefined && options.credentialFailureLimit !== false)
    throw new TypeError(
      `${OWNER}: clientAddress is required, because a Request has no socket: give (request, context) => the client's ` +
        "IP address (from your runtime's connection info or your proxy's header), or credentialFailureLimit: false",
    )
  const reply = createBitrixProtocol(options)
  const basePath = options.basePath ?? ''

  return async function handle(request: Request, context?: Context): Promise<Response> {
    const started = Date.now()
    const answer = await reply({
      call: readWebCall(request, basePath),
      clientAddress: () => clientAddress?.(request, context as Context) || 'unknown',
      started,
    })
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
    if (answer.retryAfter !== null) headers['retry-after'] = answer.retryAfter
    return new Response(answer.json, { status: answer.status, headers })
  }
}

/** Reads a web `Request` as the Node reader reads an `IncomingMessage`: the same routes, bodies and limits. */
async function readWebCall(request: Request, basePath: string): Promise<RestCall | BitrixError> {
  const url = new URL(request.url)
  const route = readRoute(url.pathname, basePath)
  if ('error' in route) return route
  const body = await readBody(request)
  if (body === null) return bitrixError(413, 'ERROR_ARGUMENT', `Request body is larger than ${MAX_BODY_BYTES} bytes`)
  const search = url.search.slice(1)
  const contentType = request.headers.get('content-type') ?? ''
  return assembleCall(route, search, () => bodyParams(contentType, body), request.headers.get('authorization'))
}

/** The body, or `null` when it is larger than allowed (the rest is not read). */
async function readBody(request: Request): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array(0)
  const declared = Number(request.headers.get('content-length') ?? Number.NaN)
  if (declared > MAX_BODY_BYTES) {
    await request.body.cancel().catch(() => {})
    return null
  }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const whole = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.byteLength
  }
  return whole
}
