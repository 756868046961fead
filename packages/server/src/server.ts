import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import {
  createAppViewChatFacts,
  createAppViewProfiles,
  createAppViewSocialGraph,
  createDidSigningKeyResolver,
  createJoineryXrpcServer,
  verifiedCaller,
} from '@joinery/atproto-adapter'
import {
  createBitrixEventSubscribers,
  createBitrixHandler,
  createPostgresEventStore,
  createPostgresSubjects,
  createWebhookAuth,
  verifiedBitrixUser,
} from '@joinery/bitrix-adapter'
import { createThrowawayCertificate } from '@joinery/bitrix-adapter/node'
import { createInMemorySocialGraph, createJoinery, type Joinery } from '@joinery/core'
import {
  createDatabaseIdGenerator,
  createPostgresStore,
  createSharedRateLimiters,
  fromPglite,
  fromPgPool,
  migrate,
  type RateLimiterFactory,
} from '@joinery/postgres-store'
import { createRelay, type OutboxListener, pgListener, pgliteListener } from '@joinery/relay'
import pg from 'pg'
import type { ServerConfig } from './config.js'
import { escapeForLog } from './log-line.js'
import { createDemoOAuth } from './oauth.js'
import { type OperatorCertificate, readOperatorCertificate } from './operator-certificate.js'

export interface RunningServer {
  /** The core both adapters run on, for embedding and tests. */
  readonly joinery: Joinery
  readonly httpUrl: string
  /** The service DID in force: `config.serviceDid`, or the did:web naming the HTTP port. */
  readonly serviceDid: string
  readonly httpsUrl: string | null
  /**
   * The throwaway certificate of the HTTPS port, for clients to trust; `null` without HTTPS, or with the operator's
   * certificate (`tlsFiles`), which clients trust already.
   */
  readonly certificate: string | null
  /** When the operator's certificate (`tlsFiles`) expires; `null` with a throwaway one or without HTTPS. */
  readonly operatorCertificateValidTo: string | null
  readonly storage: string
  stop(): Promise<void>
}

/**
 * Who the log names as a request's caller: the one an adapter verified (a DID, or `user <id>` for a Bitrix24 webhook
 * or token), else `unauthenticated`. Never a claim read from an unverified token or URL.
 */
function verifiedCallerOf(req: IncomingMessage): string {
  const did = verifiedCaller(req)
  if (did !== null) return did
  const user = verifiedBitrixUser(req)
  return user !== null ? `user ${user}` : 'unauthenticated'
}

/** A database URL by its host and port only: the URL may carry a password, which no message may print. */
function serverOf(databaseUrl: string): string {
  try {
    const { hostname, port } = new URL(databaseUrl)
    return hostname ? `at ${hostname}:${port || 5432}` : 'on a local socket'
  } catch {
    return 'of a URL that does not parse'
  }
}

/**
 * Starts both protocols in this process over one Joinery core on the PostgreSQL store (PGlite in memory, PGlite in
 * `dataDir`, or the server at `databaseUrl`): XRPC at `/xrpc/chat.bsky.group.*`, Bitrix24 REST at `/rest/…`, the
 * demo OAuth token endpoint at `/oauth/token/`, on HTTP and (unless `tlsPort` is `null`) HTTPS. `print` receives
 * the request log, one escaped line per request.
 * @example
 * const server = await startServer({ ...configFromEnv({}), port: 0, tlsPort: null })
 * await fetch(`${server.httpUrl}/rest/1/demo-hook-1/sonet_group.get`)
 * await server.stop()
 */
export async function startServer(
  config: ServerConfig,
  print: (line: string) => void = console.log,
): Promise<RunningServer> {
  // Every line is escaped whole: nothing a request carries (a path, an error's text) can start a line of its own.
  const log = (line: string) => print(escapeForLog(line))
  // The operator's files are read and checked before anything else opens: a wrong file stops the start at once.
  const operatorCertificate: OperatorCertificate | null =
    config.tlsPort !== null && config.tlsFiles ? await readOperatorCertificate(config.tlsFiles) : null
  let closeDb: () => Promise<void>
  let storage: string
  let db: ReturnType<typeof fromPglite>
  // Instances on one PostgreSQL server count rate limits and token ids there, so N copies do not give N times the
  // limit; PGlite serves one process, whose memory is the right place for them.
  let rateLimiters: RateLimiterFactory | undefined
  // What wakes the outbox relay when a command appends events (it polls besides).
  let listener: OutboxListener
  if (config.databaseUrl) {
    // The pool's own connect timeout abandons a connection attempt to a stopped server; fromPgPool bounds the rest.
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      connectionTimeoutMillis: config.dbTimeouts.connectTimeoutMs,
    })
    pool.on('error', () => {})
    db = fromPgPool(pool, config.dbTimeouts)
    listener = pgListener(pool)
    // Rate limits and token ids count in the database too, on a small pool of their own: counting never waits behind
    // the store's transactions, and a burst past it counts in this process for a moment instead (see the README).
    const limitsPool = new pg.Pool({ connectionString: config.databaseUrl, max: 8, connectionTimeoutMillis: 1_000 })
    limitsPool.on('error', () => {})
    rateLimiters = createSharedRateLimiters(
      fromPgPool(limitsPool, { connectTimeoutMs: 1_000, statementTimeoutMs: 1_000 }),
    )
    closeDb = () => Promise.all([pool.end(), limitsPool.end()]).then(() => {})
    storage = 'PostgreSQL server (DATABASE_URL)'
  } else {
    const pglite = config.dataDir ? new PGlite(config.dataDir) : new PGlite()
    db = fromPglite(pglite)
    listener = pgliteListener(pglite)
    closeDb = () => pglite.close()
    storage = config.dataDir ? `PGlite in ${config.dataDir}` : 'PGlite in memory'
  }
  try {
    await migrate(db)
  } catch (error) {
    await closeDb().catch(() => {})
    if (!config.databaseUrl) throw error
    throw new Error(
      `cannot use the PostgreSQL server ${serverOf(config.databaseUrl)} (DATABASE_URL; connect timeout ${config.dbTimeouts.connectTimeoutMs} ms): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  const joinery = createJoinery({
    store: createPostgresStore(db),
    ids: createDatabaseIdGenerator(db),
    socialGraph: config.appViewUrl
      ? createAppViewSocialGraph({ service: config.appViewUrl })
      : createInMemorySocialGraph(),
  })
  // The cause of every 500 goes to the log (always, even with LOG=off); the client only sees "internal error".
  const onError = (cause: unknown, { method }: { method: string }) =>
    log(
      `${new Date().toISOString()} ${method} failed: ${inspect(cause, { depth: 4, breakLength: Number.POSITIVE_INFINITY })}`,
    )
  // The XRPC side is made once the HTTP port is known, since the default service DID names it.
  let xrpc: ReturnType<typeof createJoineryXrpcServer> | null = null
  // Webhooks, and OAuth access tokens issued by the demo's own token endpoint (`/oauth/token/`, see oauth.ts).
  const oauth = createDemoOAuth(config.bitrixWebhooks)
  // Bitrix24's event API: bindings and the offline queue in the database (migration 9), for the demo's application.
  const events = { store: createPostgresEventStore(db), applications: oauth.applicationsFor(config.host) }
  const rest = createBitrixHandler({
    events,
    joinery,
    auth: { ...createWebhookAuth(config.bitrixWebhooks), ...oauth.auth },
    administrators: config.bitrixAdmins,
    // The portal's workgroup subjects in the database (migration 7): every copy of the server sees the same ones.
    subjects: createPostgresSubjects(db),
    onError,
    retryAfterSeconds: config.retryAfterSeconds,
    ...(rateLimiters ? { rateLimiters } : {}),
  })

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now()
    if (config.log) {
      res.on('finish', () => {
        const path = (req.url ?? '').split('?')[0] ?? ''
        const method = path.startsWith('/xrpc/') ? path.slice(6) : (path.split('/').at(-1) ?? path)
        log(
          `${new Date().toISOString()} ${method} ${verifiedCallerOf(req)} → ${res.statusCode} in ${Date.now() - started} ms`,
        )
      })
    }
    if (req.url?.startsWith('/rest/')) void rest(req, res)
    else if (req.url?.startsWith('/oauth/token')) void oauth.handle(req, res)
    else if (xrpc) xrpc.router(req, res)
    else {
      res.writeHead(503, { 'retry-after': '1' })
      res.end()
    }
  }

  const servers: Server[] = []
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, config.host, () => resolve((server.address() as AddressInfo).port))
      servers.push(server)
    })
  const httpPort = await listen(createHttpServer(handle), config.port)
  const httpUrl = `http://${config.host}:${httpPort}`
  const serviceDid = config.serviceDid ?? `did:web:localhost%3A${httpPort}`
  xrpc = createJoineryXrpcServer({
    joinery,
    serviceDid,
    allowDidKeyIssuers: config.allowDidKey,
    ...(config.appViewUrl
      ? {
          profiles: createAppViewProfiles({ service: config.appViewUrl }),
          groupConsent: createAppViewChatFacts({ service: config.appViewUrl }),
        }
      : {}),
    resolveSigningKey: createDidSigningKeyResolver(config.plcUrl ? { plcUrl: config.plcUrl } : {}),
    memberLimit: config.groupMemberLimit,
    onError,
    retryAfterSeconds: config.retryAfterSeconds,
    ...(rateLimiters ? { rateLimiters } : {}),
  })
  let httpsUrl: string | null = null
  let certificate: string | null = null
  if (config.tlsPort !== null) {
    const tls = operatorCertificate ?? (await createThrowawayCertificate())
    if (!operatorCertificate) certificate = tls.cert
    const httpsPort = await listen(createHttpsServer({ key: tls.key, cert: tls.cert }, handle), config.tlsPort)
    httpsUrl = `https://${config.host}:${httpsPort}`
  }
  // The outbox relay delivers workgroup events to bound handlers (ONSONETGROUPADD, …) and the offline queue.
  const restUrl = `${httpsUrl ?? `http://${config.host}:${httpPort}`}/rest/`
  const relay = createRelay({
    db,
    listener,
    subscribers: createBitrixEventSubscribers({
      ...events,
      portal: { domain: new URL(restUrl).host, memberId: 'joinery-demo', clientEndpoint: restUrl },
      onHandlerFailure: (f) =>
        log(`${new Date().toISOString()} ${f.event} to ${f.binding.handler} failed: ${f.status ?? String(f.error)}`),
    }),
    // The relay retries its own database work by itself (an outage is expected, not a bug): one line, no stack.
    hooks: {
      onError: (error) =>
        log(`${new Date().toISOString()} relay will retry: ${error instanceof Error ? error.message : String(error)}`),
    },
  })
  await relay.start()
  return {
    joinery,
    httpUrl,
    serviceDid,
    httpsUrl,
    certificate,
    operatorCertificateValidTo: operatorCertificate?.validTo ?? null,
    storage,
    async stop() {
      await relay.stop()
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections?.()
              s.close(() => resolve())
            }),
        ),
      )
      await closeDb()
    },
  }
}
