import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Server, XRPCError } from '@atproto/xrpc-server'
import { type AdapterOptions, checkAdapterOptions } from './adapter-options.js'
import { createCallPipeline, verifiedCaller } from './call-pipeline.js'
import { LEXICONS, SERVED_METHODS } from './lexicons/index.js'
import { createNodeHandler, type NodeRequestListener } from './node-handler.js'
import { NODE_PLATFORM } from './node-platform.js'
import { createWebHandler, type XrpcHandler, type XrpcRequestContext } from './web-handler.js'
import { createXrpcDispatch } from './xrpc-dispatch.js'

export type { CallEntry } from './adapter-options.js'
export { verifiedCaller } from './call-pipeline.js'

/** The adapter's settings on Node: the token checks, views, limits and hooks of every runtime, and these. */
export interface AtprotoAdapterOptions extends AdapterOptions {
  /** The address a request's IP limits count against. Default the socket's peer; behind a proxy, its client's. */
  readonly clientAddress?: (req: IncomingMessage) => string
}

/**
 * Registers the `chat.bsky.group` join family on an existing `@atproto/xrpc-server` server, adding the pinned
 * lexicons it does not have yet. The server does the routing and the lexicon checks; the token check, the core
 * command and the error funnel are the ones `createJoineryXrpcServer` and the web handler run.
 * @example
 * const server = createServer()
 * registerJoineryMethods(server, { joinery, serviceDid: 'did:web:chat.example.com' })
 */
export function registerJoineryMethods(server: Server, options: AtprotoAdapterOptions): void {
  checkAdapterOptions('registerJoineryMethods', options)
  for (const doc of LEXICONS) if (!server.lex.get(doc.id)) server.addLexicon(doc)
  const pipeline = createCallPipeline(options, NODE_PLATFORM)
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown')

  for (const nsid of SERVED_METHODS) {
    server.method(nsid, {
      auth: async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
        const { answered } = pipeline
        if (answered) {
          const started = Date.now()
          res.once('finish', () =>
            answered({ method: nsid, caller: verifiedCaller(req), status: res.statusCode, ms: Date.now() - started }),
          )
        }
        const auth = await pipeline.authenticate(nsid, {
          key: req,
          authorization: req.headers.authorization,
          clientAddress: () => addressOf(req),
        })
        if ('error' in auth) throw new XRPCError(auth.error.status, auth.error.message, auth.error.error)
        return { credentials: auth.caller === null ? null : { did: auth.caller } }
      },
      handler: async ({ auth, input, params, res }) => {
        const credentials = (auth as { credentials: { did: string } | null }).credentials
        const outcome = await pipeline.run(
          nsid,
          credentials?.did ?? null,
          ((input as { body?: unknown } | undefined)?.body ?? {}) as Record<string, unknown>,
          params as Record<string, unknown>,
        )
        if ('body' in outcome) return { encoding: 'application/json', body: outcome.body }
        const { headers, ...error } = outcome.error
        for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value)
        return error
      },
    })
  }
}

/** The standalone XRPC service: a Node request listener and a web-standard handler over one dispatch. */
export interface JoineryXrpcServer {
  /**
   * A Node request listener, also Express/Connect middleware: `http.createServer(server.router)`,
   * `app.use('/chat', server.router)` (it reads the path below the mount, and a body `express.json()` parsed).
   */
  readonly router: NodeRequestListener
  /**
   * The same service as `(Request, { clientAddress }) => Promise<Response>` (Hono, Fastify, Next.js on Node),
   * sharing the router's limits, caches and replay guard; signatures still checked by OpenSSL. Pass the client's
   * address (a `Request` has no socket), else anonymous previews of every caller count against one address.
   * Runtimes without Node use `@joinery/atproto-adapter/web`.
   */
  readonly fetch: XrpcHandler<XrpcRequestContext>
}

/**
 * A standalone XRPC service with the join family, for hosts that have none: the routing, parameter, body and response
 * checks of `@atproto/xrpc-server` (every response validated against the lexicons), without Express. Serve
 * `server.router` on a Node HTTP server (see `listen`) or mount it; or hand `server.fetch` to a web framework.
 * Options are checked here: a mistake throws at once, naming the option.
 * @example
 * const server = createJoineryXrpcServer({ joinery, serviceDid: 'did:web:chat.example.com' })
 * const { url } = await listen(server, { port: 2584 })
 */
export function createJoineryXrpcServer(options: AtprotoAdapterOptions): JoineryXrpcServer {
  checkAdapterOptions('createJoineryXrpcServer', options)
  const dispatch = createXrpcDispatch(options, NODE_PLATFORM)
  return {
    router: createNodeHandler(dispatch, options.clientAddress),
    fetch: createWebHandler<XrpcRequestContext>(dispatch, (_request, context) => context?.clientAddress),
  }
}
