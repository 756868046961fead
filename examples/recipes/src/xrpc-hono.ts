import type { HttpBindings } from '@hono/node-server'
import { createJoineryXrpcHandler, type XrpcHandlerOptions } from '@joinery/atproto-adapter/web'
import { type Context, Hono } from 'hono'

/**
 * The AT Protocol adapter inside a Hono app, through the web entry (`@joinery/atproto-adapter/web`: no `node:`
 * import), so the same app runs on Node, Bun, Deno or Workers; only `clientAddress` names the runtime. Hono hands
 * the handler its `Request` untouched, and its bindings as the context: here `@hono/node-server`'s, whose socket
 * gives the caller's address (on Workers: `request.headers.get('cf-connecting-ip')`).
 */
export function createHonoApp(
  options: Omit<XrpcHandlerOptions<HttpBindings>, 'clientAddress'>,
): Hono<{ Bindings: HttpBindings }> {
  const handler = createJoineryXrpcHandler<HttpBindings>({
    ...options,
    clientAddress: (_request, env) => env.incoming.socket.remoteAddress,
  })
  const app = new Hono<{ Bindings: HttpBindings }>()
  app.get('/health', (c) => c.json({ ok: true }))
  const answer = (c: Context<{ Bindings: HttpBindings }>) => handler(c.req.raw, c.env)
  app.all('/xrpc/*', answer)
  app.get('/.well-known/did.json', answer)
  return app
}
