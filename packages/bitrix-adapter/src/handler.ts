import type { IncomingMessage, ServerResponse } from 'node:http'
import { type BitrixProtocolOptions, type BitrixReply, checkProtocolOptions, createBitrixProtocol } from './protocol.js'
import { type MountedRequest, readRestCall } from './wire/read-request.js'

export { METHODS } from './protocol.js'

export interface BitrixAdapterOptions extends BitrixProtocolOptions {
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
}

/** Where the verified caller is kept on the request (a property: cheaper than a WeakMap entry per request). */
const VERIFIED = Symbol('joinery.bitrix.verifiedUser')
type VerifiedRequest = IncomingMessage & { [VERIFIED]?: string }

/**
 * The Bitrix24 user a request was verified as (its webhook or token checked by the adapter's `auth`), or `null`
 * when it was not (yet): no credentials, refused ones, or a request this adapter never read. For a host's logs.
 */
export function verifiedBitrixUser(req: IncomingMessage): string | null {
  return (req as VerifiedRequest)[VERIFIED] ?? null
}

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * A Node request handler answering Bitrix24 REST calls (`/rest/...`) with the `sonet_group.*` family and `batch`:
 * for `node:http` and frameworks built on it. Mounted under a path (Express `app.use('/rest', handler)`) it reads
 * `req.originalUrl`; after a body parser (`express.json()`, `express.urlencoded()`) it reads `req.body`.
 * Every failure is a Bitrix24 error envelope; an unexpected one is a 500 without internal detail.
 * @example
 * const handler = createBitrixHandler({ joinery, auth: createWebhookAuth([{ userId: '1', code: 'secret' }]) })
 * createServer(handler).listen(8080)
 */
export function createBitrixHandler(options: BitrixAdapterOptions) {
  checkProtocolOptions('createBitrixHandler', options)
  if (options.clientAddress !== undefined && typeof options.clientAddress !== 'function')
    throw new TypeError('createBitrixHandler: clientAddress must be a function (req) => string')
  const reply = createBitrixProtocol(options)
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown')
  const basePath = options.basePath ?? ''

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now()
    const call = readRestCall(req as MountedRequest, basePath)
    const answer = await reply({ call, clientAddress: () => addressOf(req), started })
    if (answer.user !== null) (req as VerifiedRequest)[VERIFIED] = answer.user
    send(res, answer)
  }
}

function send(res: ServerResponse, answer: BitrixReply): void {
  // The flat list form of the headers: Node stores it without walking an object's keys.
  const length = String(Buffer.byteLength(answer.json))
  res.writeHead(
    answer.status,
    answer.retryAfter === null
      ? ['content-type', JSON_TYPE, 'content-length', length]
      : ['content-type', JSON_TYPE, 'content-length', length, 'retry-after', answer.retryAfter],
  )
  res.end(answer.json)
}
