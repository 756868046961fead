import type { AdapterOptions } from './adapter-options.js'
import { type DispatchAnswer, NOT_FOUND, type XrpcDispatch } from './xrpc-dispatch.js'

/**
 * A web-standard handler, `(Request) => Promise<Response>`, for Hono, Next.js route handlers, Bun, Deno, Workers…
 * The optional second argument (a runtime's bindings or connection info) goes to `clientAddress`.
 */
export type XrpcHandler<Context = unknown> = (request: Request, context?: Context) => Promise<Response>

/** The context `createJoineryXrpcServer(…).fetch` takes: the client's address, which a `Request` does not carry. */
export interface XrpcRequestContext {
  /** The client's IP address, for the per-address limit of calls without a token (`getJoinLinkPreviews`). */
  readonly clientAddress?: string
}

/** The web handler's settings: the adapter's, and how a client's address is found. */
export interface XrpcHandlerOptions<Context = unknown> extends AdapterOptions {
  /**
   * The address the per-address limit of calls without a token counts against: a `Request` has no socket, so give
   * it from a header (`request.headers.get('cf-connecting-ip')` on Cloudflare) or from the runtime's context passed
   * as the handler's second argument (`env.incoming.socket.remoteAddress` with `@hono/node-server`). Required unless
   * `anonymousPreviewLimit` is `false`.
   */
  readonly clientAddress?: (request: Request, context: Context) => string | null | undefined
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** A `Response` of a dispatch answer (no body for HEAD). */
function responseOf(answer: DispatchAnswer, head: boolean): Response {
  const response = new Response(head ? null : answer.body, { status: answer.status, headers: answer.headers })
  answer.sent?.()
  return response
}

/**
 * The web shell around the one XRPC dispatch: reads a `Request`, answers a `Response`. The dispatch holds the
 * runtime's pieces (the web entry's pure-JS verifier, or OpenSSL when a Node server hands out its `fetch`). A path
 * that is neither `/xrpc/…` nor the DID document is answered 404 `NotFound`.
 */
export function createWebHandler<Context>(
  dispatch: XrpcDispatch,
  clientAddress?: XrpcHandlerOptions<Context>['clientAddress'],
): XrpcHandler<Context> {
  return async (request, context) => {
    const url = new URL(request.url)
    const head = request.method === 'HEAD'
    const { body } = request
    const answer = await dispatch({
      method: request.method,
      url: url.pathname + url.search,
      header: (name) => request.headers.get(name) ?? undefined,
      body: body ? { chunks: () => chunksOf(body) } : null,
      key: request,
      authorization: request.headers.get('authorization') ?? undefined,
      clientAddress: () => clientAddress?.(request, context as Context) || 'unknown',
    })
    return responseOf(answer ?? NOT_FOUND, head)
  }
}
