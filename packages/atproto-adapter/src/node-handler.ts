import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdapterOptions } from './adapter-options.js'
import { NOT_FOUND, type XrpcDispatch } from './xrpc-dispatch.js'

/**
 * A Node request listener (`http.createServer(listener)`), which is also Express and Connect middleware: given a
 * `next`, it passes on what it does not serve; without one it answers 404 `NotFound`. Mounted under a path
 * (`app.use('/chat', listener)`) it reads the path below the mount; behind a body parser (`express.json()`) it takes
 * the parsed body.
 */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void

/** The Node shell's settings: the adapter's, and how a client's address is found. */
export interface NodeHandlerOptions extends AdapterOptions {
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
}

const headerOf = (req: IncomingMessage, name: string) => {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The Node shell around the one XRPC dispatch: no `Request`/`Response` objects, so nothing is copied twice. */
export function createNodeHandler(
  dispatch: XrpcDispatch,
  clientAddress?: NodeHandlerOptions['clientAddress'],
): NodeRequestListener {
  const addressOf = clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown')

  async function handle(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) {
    // A body parser in front (express.json()) has read the stream and left the value on `req.body`.
    const parsed = (req as { body?: unknown }).body
    const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined
    const answer = await dispatch({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      header: (name) => headerOf(req, name),
      body:
        parsed !== undefined && req.readableEnded
          ? { parsed }
          : hasBody
            ? { chunks: () => req as AsyncIterable<Uint8Array> }
            : null,
      key: req,
      authorization: req.headers.authorization,
      clientAddress: () => addressOf(req),
    })
    if (!answer && next) return next()
    const { status, headers, body, sent } = answer ?? NOT_FOUND
    if (sent) res.once('finish', sent)
    res.writeHead(status, headers)
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  return (req, res, next) => {
    handle(req, res, next).catch((error: unknown) => {
      // Only a failure to write the answer gets here (the dispatch answers everything else).
      if (next) next(error)
      else res.destroy(error instanceof Error ? error : undefined)
    })
  }
}
