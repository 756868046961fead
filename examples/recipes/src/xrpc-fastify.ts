import { type AtprotoAdapterOptions, createJoineryXrpcServer } from '@joinery/atproto-adapter'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'

/** A web `Request` of a Fastify request, its body the raw bytes the scope's parser kept. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  const body = request.body instanceof Buffer ? new Uint8Array(request.body) : undefined
  return new Request(`${request.protocol}://${request.host}${request.url}`, {
    method: request.method,
    headers,
    ...(body && request.method !== 'GET' && request.method !== 'HEAD' ? { body } : {}),
  })
}

/**
 * The AT Protocol adapter inside a Fastify 5 app, through its web-standard handler (`server.fetch`: OpenSSL
 * signatures, since this runs on Node). In their own scope the XRPC routes take every body as raw bytes, so the
 * adapter checks content types and JSON itself, exactly as on its own server; the app's other routes keep Fastify's
 * JSON parser.
 */
export function createFastifyApp(options: AtprotoAdapterOptions): FastifyInstance {
  const chat = createJoineryXrpcServer(options)
  const app = Fastify()
  app.get('/health', async () => ({ ok: true }))
  app.register(async (xrpc) => {
    xrpc.removeAllContentTypeParsers()
    xrpc.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
    const answer = async (request: FastifyRequest, reply: FastifyReply) => {
      const response = await chat.fetch(webRequest(request), { clientAddress: request.ip })
      reply.status(response.status).headers(Object.fromEntries(response.headers))
      return reply.send(Buffer.from(await response.arrayBuffer()))
    }
    xrpc.all('/xrpc/*', answer)
    xrpc.get('/.well-known/did.json', answer)
  })
  return app
}
