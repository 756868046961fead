import type { HttpBindings } from '@hono/node-server'
import { type BitrixFetchHandlerOptions, createBitrixFetchHandler } from '@joinery/bitrix-adapter/web'
import { Hono } from 'hono'

/**
 * Bitrix24's REST methods in a Hono app through the web-standard handler (`(Request) => Promise<Response>`), served
 * here by `@hono/node-server`, whose bindings carry the socket the client's address comes from. On Bun, Deno or
 * Workers the same app runs with that runtime's address instead (`cf-connecting-ip`, `info.remoteAddr`).
 */
export function createBitrixHonoApp(
  options: Omit<BitrixFetchHandlerOptions<HttpBindings>, 'clientAddress'>,
): Hono<{ Bindings: HttpBindings }> {
  const handler = createBitrixFetchHandler<HttpBindings>({
    ...options,
    clientAddress: (_request, env) => env.incoming.socket.remoteAddress,
  })
  const app = new Hono<{ Bindings: HttpBindings }>()
  app.all('/rest/*', (c) => handler(c.req.raw, c.env))
  return app
}
