import type { IncomingMessage } from 'node:http'
import { assembleCall, bodyParams, parsedBodyParams } from './body.js'
import { type BitrixError, bitrixError } from './envelope.js'
import { MAX_BODY_BYTES, type RestCall, readRoute } from './route.js'

export { type Credentials, MAX_BODY_BYTES, type RestCall } from './route.js'

/** A Node request as frameworks hand it on: Express adds `originalUrl` under a mount path and `body` once parsed. */
export type MountedRequest = IncomingMessage & { originalUrl?: string; body?: unknown }

/**
 * Reads a Node request: the route from `originalUrl` (the whole path, when Express mounted the handler under a path)
 * or `url`, after `basePath`; the parameters from the query string, then the body: `req.body` when a framework parsed
 * it already (`express.json()`, `express.urlencoded()`), else the stream (JSON, urlencoded or multipart).
 */
export async function readRestCall(req: MountedRequest, basePath = ''): Promise<RestCall | BitrixError> {
  const path = req.originalUrl ?? req.url ?? '/'
  const route = readRoute(path, basePath)
  if ('error' in route) return route
  const query = path.indexOf('?')
  const search = query < 0 ? '' : path.slice(query + 1)
  const contentType = req.headers['content-type'] ?? ''
  let body: Uint8Array | null
  let parsed: unknown
  if (!req.readableEnded) {
    body = await readBody(req)
    if (body === null) return bitrixError(413, 'ERROR_ARGUMENT', `Request body is larger than ${MAX_BODY_BYTES} bytes`)
  } else if (typeof req.body === 'string') {
    body = new TextEncoder().encode(req.body)
  } else if (req.body instanceof Uint8Array) {
    body = req.body
  } else if (req.body !== undefined) {
    body = null
    parsed = req.body
  } else if (hasBody(req)) {
    // A framework read the body and kept it elsewhere: answering without it would change what the call means.
    throw new Error(
      'The request body was read before the Bitrix24 handler and not left as req.body; let the handler read it',
    )
  } else {
    body = EMPTY
  }
  return assembleCall(
    route,
    search,
    () => (body ? bodyParams(contentType, body) : parsedBodyParams(contentType, parsed)),
    req.headers.authorization,
  )
}

const EMPTY = new Uint8Array(0)

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

/** The body, or `null` when it is larger than allowed (the rest is not read). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null
    let chunks: Buffer[] | null = null
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData)
        resolve(null)
      } else if (first === null) {
        first = chunk
      } else {
        chunks ??= [first]
        chunks.push(chunk)
      }
    }
    req.on('data', onData)
    req.once('end', () => resolve(chunks ? Buffer.concat(chunks, size) : (first ?? EMPTY_BUFFER)))
    req.once('error', reject)
  })
}

const EMPTY_BUFFER = Buffer.alloc(0)
