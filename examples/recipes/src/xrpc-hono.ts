import { createJoineryXrpcHandler, type XrpcHandlerOptions } from '@joinery/atproto-adapter/web'
import { type Context, Hono } from 'hono'

/**
 * The AT Protocol adapter inside a Hono app, through the web entry (`@joinery/atproto-adapter/web`: no `node:`
 * import), so the same app runs on Node (`@hono/node-server`), Bun, Deno or Workers. Hono hands the handler its
 * `Request` untouched. `clientAddress` reads the caller's IP the way the runtime tells it (`getConnInfo` of
 * `@hono/node-server/conninfo` on Node, `cf-connecting-ip` on Cloudflare), for the per-address limit of anonymous
 * previews.
 */
export function createHonoApp(
  options: Omit<XrpcHandlerOptions, 'clientAddress'>,
  clientAddress?: (c: Context) => string | undefined,
): Hono {
  const chat = createJoineryXrpcHandler(options)
  const app = new Hono()
  app.get('/health', (c) => c.json({ ok: true }))
  const answer = (c: Context) => {
    const address = clientAddress?.(c)
    return chat(c.req.raw, address ? { clientAddress: address } : {})
  }
  app.all('/xrpc/*', answer)
  app.get('/.well-known/did.json', answer)
  return app
}
