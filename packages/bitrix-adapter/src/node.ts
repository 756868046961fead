import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface Listening {
  /** `http://host:port` or `https://host:port`. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export interface TlsCertificate {
  readonly key: string
  readonly cert: string
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made now, for tests and demos only. Needs the optional
 * peer dependency `selfsigned` (kept out of the adapter's runtime dependencies: a service never needs it).
 */
export async function createThrowawayCertificate(): Promise<TlsCertificate> {
  const selfsigned = await import('selfsigned').then(
    (module) => module.default,
    (cause: unknown) => {
      throw new Error(
        'createThrowawayCertificate needs the optional dependency `selfsigned`: npm install -D selfsigned',
        {
          cause,
        },
      )
    },
  )
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  })
  return { key: pems.private, cert: pems.cert }
}

/**
 * Serves `handler` over HTTP, or over HTTPS when `tls` is given (the official Bitrix24 JS SDK speaks only https).
 * Listens on 127.0.0.1 unless told otherwise; port 0 picks a free port.
 */
export async function listen(
  handler: Handler,
  options: { port?: number; host?: string; tls?: TlsCertificate } = {},
): Promise<Listening> {
  const host = options.host ?? '127.0.0.1'
  const serve = (req: IncomingMessage, res: ServerResponse) => void handler(req, res)
  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, serve)
    : createHttpServer(serve)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
