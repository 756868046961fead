import { type BitrixAdapterOptions, createBitrixHandler } from '@joinery/bitrix-adapter'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'

/**
 * Bitrix24's REST methods in a Fastify app: the Node handler on `request.raw`/`reply.raw`, in a plugin scope whose
 * content-type parsers leave the body to it (Fastify has no urlencoded or multipart parser of its own, and Bitrix24
 * clients send all three), with `reply.hijack()` so Fastify does not answer a second time.
 */
export async function createBitrixFastifyApp(
  options: BitrixAdapterOptions,
  server: FastifyServerOptions & { https?: { key: string; cert: string } } = {},
): Promise<FastifyInstance> {
  const handler = createBitrixHandler(options)
  const app = Fastify(server as FastifyServerOptions)
  await app.register(async (bitrix) => {
    bitrix.removeAllContentTypeParsers()
    bitrix.addContentTypeParser('*', (_request, _payload, done) => done(null))
    bitrix.all('/rest/*', async (request, reply) => {
      reply.hijack()
      await handler(request.raw, reply.raw)
    })
  })
  return app
}
