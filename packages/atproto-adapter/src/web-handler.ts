import type { AdapterOptions } from './adapter-options.js'
import { type DispatchAnswer, NOT_FOUND, type XrpcDispatch } from './xrpc-dispatch.js'

/** A web-standard handler: `fetch`-style, for Hono, Next.js route handlers, Bun, Deno, Workers… */
export type XrpcHandler = (request: Request, context?: XrpcRequestContext) => Promise<Response>

/** What a host knows of a request that a `Request` does not say. */
export interface XrpcRequestContext {
  /** The client's IP address, for the per-address limit of calls without a token (`getJoinLinkPreviews`). */
  readonly clientAddress?: string
}

/** The web handler's settings: the adapter's, and how a client's address is found. */
export interface XrpcHandlerOptions extends AdapterOptions {
  /**
   * The address a request's IP limits count against, e.g. `(request) => request.headers.get('cf-connecting-ip')` on
   * Cloudflare; when it answers nothing, the call's `context.clientAddress`. Without either, every anonymous caller
   * counts against one shared address (`unknown`).
   */
  readonly clientAddress?: (request: Request) => string | null | undefined
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
export function createWebHandler(
  dispatch: XrpcDispatch,
  clientAddress?: XrpcHandlerOptions['clientAddress'],
): XrpcHandler {
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
      clientAddress: () => clientAddress?.(request) ?? context?.clientAddress ?? 'unknown',
    })
    return responseOf(answer ?? NOT_FOUND, head)
  }
}
