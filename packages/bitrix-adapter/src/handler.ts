import type { IncomingMessage, ServerResponse } from 'node:http'
import { type BitrixProtocolOptions, type BitrixReply, checkProtocolOptions, createBitrixProtocol } from './protocol.js'
import { type MountedRequest, readRestCall } from './wire/read-request.js'

export { METHODS } from './protocol.js'

export interface BitrixAdapterOptions extends BitrixProtocolOptions {
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
}

const verified = new WeakMap<IncomingMessage, string>()

/**
 * The Bitrix24 user a request was verified as (its webhook or token checked by the adapter's `auth`), or `null`
 * when it was not (yet): no credentials, refused ones, or a request this adapter never read. For a host's logs.
 */
export function verifiedBitrixUser(req: IncomingMessage): string | null {
  return verified.get(req) ?? null
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
    if (answer.user !== null) verified.set(req, answer.user)
    send(res, answer)
  }
}

function send(res: ServerResponse, answer: BitrixReply): void {
  const headers: Record<string, string | number> = {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(answer.json),
  }
  if (answer.retryAfter !== null) headers['retry-after'] = answer.retryAfter
  res.writeHead(answer.status, headers)
  res.end(answer.json)
}
