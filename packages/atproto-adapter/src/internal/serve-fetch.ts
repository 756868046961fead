import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Listening } from '../node.js'
import type { XrpcHandler, XrpcRequestContext } from '../web-handler.js'

/** A web `Request` of a Node request: headers as sent, the body as a stream. */
function requestOf(req: IncomingMessage, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody
      ? { body: ReadableStream.from(req as AsyncIterable<Uint8Array>) as ReadableStream<Uint8Array>, duplex: 'half' }
      : {}),
  } as RequestInit)
}

/**
 * Serves a web-standard handler on a loopback Node HTTP server, for tests of the web shell over real HTTP: nothing
 * of the handler runs through Node's request objects. The handler's context carries the socket's peer address.
 */
export async function serveFetch(handler: XrpcHandler<XrpcRequestContext>, atPort = 0): Promise<Listening> {
  const http = createServer((req, res) => {
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`
    handler(requestOf(req, origin), { clientAddress: req.socket.remoteAddress ?? 'unknown' }).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(Buffer.from(await response.arrayBuffer()))
      },
      (error: unknown) => res.destroy(error instanceof Error ? error : undefined),
    )
  })
  await new Promise<void>((resolve) => http.listen(atPort, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    http,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections()
        http.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
