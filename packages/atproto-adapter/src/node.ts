import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Listening {
  readonly http: HttpServer
  /** `http://host:port`, for clients. */
  readonly url: string
  close(): Promise<void>
}

/**
 * Serves an XRPC server — `createJoineryXrpcServer`'s, or an `@atproto/xrpc-server` one — on `host:port` (port 0
 * picks a free one). Default host 127.0.0.1.
 */
export async function listen(
  server: { readonly router: RequestListener },
  options: { port?: number; host?: string } = {},
): Promise<Listening> {
  const http = createHttpServer(server.router)
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = http.address() as AddressInfo
  return {
    http,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections()
        http.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
