import { parseArgs } from 'node:util'

/** The server's settings, from the environment. Printed at start. */
export interface ServerConfig {
  /** HTTP port for both protocols (`/xrpc/…` and `/rest/…`); 0 picks a free one. */
  readonly port: number
  /** HTTPS port for the official Bitrix24 SDK (a throwaway certificate unless `tlsFiles`); `null` turns it off. */
  readonly tlsPort: number | null
  /**
   * The operator's certificate for the HTTPS port, as PEM files (the certificate file may hold the chain, leaf first);
   * `null` (the default): a throwaway self-signed certificate made at start.
   */
  readonly tlsFiles: { readonly certFile: string; readonly keyFile: string } | null
  readonly host: string
  /**
   * The service's DID, the audience of service JWTs; its DID document is served at `/.well-known/did.json`.
   * `null` (the default): `did:web:localhost%3A<port>`, naming the HTTP port the server listens on.
   */
  readonly serviceDid: string | null
  /**
   * Accept `did:key` callers (keys with no account behind them), as a local development tool does. Default on;
   * `ALLOW_DID_KEY=off` refuses them, leaving only did:plc and did:web accounts, resolved through their DID documents.
   */
  readonly allowDidKey: boolean
  /** The PLC directory for did:plc callers. Default `https://plc.directory`. */
  readonly plcUrl: string | null
  /** `userId:code` webhooks for Bitrix24 calls. */
  readonly bitrixWebhooks: readonly { userId: string; code: string }[]
  /** The portal administrators (user ids): user 1, the portal's first user, unless `BITRIX_ADMINS` names others. */
  readonly bitrixAdmins: readonly string[]
  /** PGlite keeps its data here; in memory when unset. */
  readonly dataDir: string | null
  /** A PostgreSQL server instead of PGlite. */
  readonly databaseUrl: string | null
  /** An AppView for follow-required links; an empty in-memory graph when unset. */
  readonly appViewUrl: string | null
  /** The member limit of groups made through `chat.bsky.group.createGroup`. */
  readonly groupMemberLimit: number
  /** Print one line per request. */
  readonly log: boolean
  /** Bounds on the PostgreSQL server (`DATABASE_URL`): connect, statement, lock and idle-in-transaction timeouts. */
  readonly dbTimeouts: {
    readonly connectTimeoutMs: number
    readonly statementTimeoutMs: number
    readonly lockTimeoutMs: number
    readonly idleInTransactionTimeoutMs: number
  }
  /** `Retry-After` (seconds) of the 503 both protocols answer while the storage is unavailable. */
  readonly retryAfterSeconds: number
}

/** The demo's webhooks: users 1, 2 and 3 with well-known codes. */
export const DEMO_WEBHOOKS = '1:demo-hook-1,2:demo-hook-2,3:demo-hook-3'

/** One setting of the server: its environment variable, its command-line flag, its default and what it means. */
export interface Setting {
  readonly env: string
  readonly flag: string
  readonly default: string
  readonly meaning: string
}

/**
 * Every setting, in the order `--help` and the README list them. A flag wins over its environment variable.
 */
export const SETTINGS: readonly Setting[] = [
  { env: 'PORT', flag: '--port', default: '8080', meaning: 'HTTP port for both protocols; 0 picks a free one' },
  {
    env: 'TLS_PORT',
    flag: '--tls-port',
    default: '8443',
    meaning:
      'HTTPS port (a throwaway certificate, written to a file the banner names, unless --tls-cert and --tls-key); `off` to disable',
  },
  {
    env: 'TLS_CERT_FILE',
    flag: '--tls-cert',
    default: '(unset: a throwaway certificate)',
    meaning: 'PEM file of your own certificate for the HTTPS port (may hold the chain, leaf first); needs --tls-key',
  },
  {
    env: 'TLS_KEY_FILE',
    flag: '--tls-key',
    default: '(unset)',
    meaning: 'PEM file of the private key of --tls-cert (unencrypted)',
  },
  { env: 'HOST', flag: '--host', default: '127.0.0.1', meaning: 'address to listen on' },
  {
    env: 'SERVICE_DID',
    flag: '--service-did',
    default: 'did:web:localhost%3A<PORT>',
    meaning:
      'the audience of service JWTs; its DID document (`#bsky_chat` → this server) is served at `/.well-known/did.json`',
  },
  {
    env: 'ALLOW_DID_KEY',
    flag: '--allow-did-key',
    default: 'on',
    meaning:
      'accept did:key callers (self-made keys, no account), as a local development tool does; `off` leaves only did:plc and did:web accounts',
  },
  {
    env: 'PLC_URL',
    flag: '--plc-url',
    default: 'https://plc.directory',
    meaning: "PLC directory for did:plc callers' keys",
  },
  {
    env: 'BITRIX_WEBHOOKS',
    flag: '--bitrix-webhooks',
    default: DEMO_WEBHOOKS,
    meaning: '`userId:code` inbound webhooks, comma-separated (demo codes: change them for anything real)',
  },
  {
    env: 'BITRIX_ADMINS',
    flag: '--bitrix-admins',
    default: '1',
    meaning:
      'portal administrators (user ids, comma-separated); only they may call `sonet_group.user.add`, `.update` and `.delete`',
  },
  {
    env: 'DATA_DIR',
    flag: '--data-dir',
    default: '(unset: in memory)',
    meaning: 'PGlite keeps its data in this folder',
  },
  {
    env: 'DATABASE_URL',
    flag: '--database-url',
    default: '(unset)',
    meaning: 'a PostgreSQL server instead of PGlite; several copies may then share one database',
  },
  {
    env: 'APPVIEW_URL',
    flag: '--appview-url',
    default: '(unset: an empty in-memory graph)',
    meaning: 'AppView for follow-required links (`getRelationships`) and profiles (`getProfiles`)',
  },
  {
    env: 'GROUP_MEMBER_LIMIT',
    flag: '--group-member-limit',
    default: '100',
    meaning: 'member limit of groups made with `chat.bsky.group.createGroup`',
  },
  {
    env: 'LOG',
    flag: '--log',
    default: 'on',
    meaning: '`off` silences the request log (causes of 500s are still written)',
  },
  {
    env: 'DB_CONNECT_TIMEOUT_MS',
    flag: '--db-connect-timeout-ms',
    default: '5000',
    meaning: 'with DATABASE_URL: longest wait for a connection',
  },
  {
    env: 'DB_STATEMENT_TIMEOUT_MS',
    flag: '--db-statement-timeout-ms',
    default: '5000',
    meaning: 'with DATABASE_URL: PostgreSQL `statement_timeout`',
  },
  {
    env: 'DB_LOCK_TIMEOUT_MS',
    flag: '--db-lock-timeout-ms',
    default: '3000',
    meaning: 'with DATABASE_URL: PostgreSQL `lock_timeout`',
  },
  {
    env: 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    flag: '--db-idle-in-transaction-timeout-ms',
    default: '10000',
    meaning: 'with DATABASE_URL: PostgreSQL `idle_in_transaction_session_timeout`',
  },
  {
    env: 'RETRY_AFTER_SECONDS',
    flag: '--retry-after-seconds',
    default: '5',
    meaning: '`Retry-After` of the 503 both protocols answer while the database is unavailable',
  },
]

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535 * 1000)
    throw new Error(`${name} must be a whole number, got ${value}`)
  return n
}

/**
 * The settings from environment variables (see {@link SETTINGS}); throws with the variable's name on a malformed value.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const hooks = (env.BITRIX_WEBHOOKS ?? DEMO_WEBHOOKS).split(',').filter(Boolean)
  const bitrixWebhooks = hooks.map((pair) => {
    const [userId, code] = pair.split(':')
    if (!userId || !/^\d+$/.test(userId) || !code)
      throw new Error(`BITRIX_WEBHOOKS takes userId:code pairs, got ${pair}`)
    return { userId, code }
  })
  const bitrixAdmins = (env.BITRIX_ADMINS ?? '1').split(',').filter(Boolean)
  for (const id of bitrixAdmins)
    if (!/^\d+$/.test(id)) throw new Error(`BITRIX_ADMINS takes user ids, comma-separated, got ${id}`)
  const tlsPort = env.TLS_PORT === 'off' ? null : int(env.TLS_PORT, 8443, 'TLS_PORT')
  const certFile = env.TLS_CERT_FILE || null
  const keyFile = env.TLS_KEY_FILE || null
  if ((certFile === null) !== (keyFile === null))
    throw new Error(
      certFile
        ? 'TLS_CERT_FILE (--tls-cert) needs TLS_KEY_FILE (--tls-key), the file of its private key'
        : 'TLS_KEY_FILE (--tls-key) needs TLS_CERT_FILE (--tls-cert), the file of its certificate',
    )
  if (certFile && tlsPort === null)
    throw new Error('TLS_CERT_FILE and TLS_KEY_FILE are for the HTTPS port, which TLS_PORT=off turns off')
  return {
    port: int(env.PORT, 8080, 'PORT'),
    tlsPort,
    tlsFiles: certFile && keyFile ? { certFile, keyFile } : null,
    host: env.HOST ?? '127.0.0.1',
    serviceDid: env.SERVICE_DID || null,
    allowDidKey: !['off', 'false', '0', 'no'].includes((env.ALLOW_DID_KEY ?? '').toLowerCase()),
    plcUrl: env.PLC_URL || null,
    bitrixWebhooks,
    bitrixAdmins,
    dataDir: env.DATA_DIR || null,
    databaseUrl: env.DATABASE_URL || null,
    appViewUrl: env.APPVIEW_URL || null,
    groupMemberLimit: int(env.GROUP_MEMBER_LIMIT, 100, 'GROUP_MEMBER_LIMIT'),
    log: env.LOG !== 'off',
    dbTimeouts: {
      connectTimeoutMs: int(env.DB_CONNECT_TIMEOUT_MS, 5_000, 'DB_CONNECT_TIMEOUT_MS'),
      statementTimeoutMs: int(env.DB_STATEMENT_TIMEOUT_MS, 5_000, 'DB_STATEMENT_TIMEOUT_MS'),
      lockTimeoutMs: int(env.DB_LOCK_TIMEOUT_MS, 3_000, 'DB_LOCK_TIMEOUT_MS'),
      idleInTransactionTimeoutMs: int(
        env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
        10_000,
        'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
      ),
    },
    retryAfterSeconds: int(env.RETRY_AFTER_SECONDS, 5, 'RETRY_AFTER_SECONDS'),
  }
}

/** A command line's flags (`--port 0`, `--tls-port=off`, …) over the environment: what `joinery-server` runs with. */
export function settingsFromArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { readonly help: boolean; readonly env: NodeJS.ProcessEnv } {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(SETTINGS.map((s) => [s.flag.slice(2), { type: 'string' as const }])),
    },
  })
  const given = values as Record<string, string | boolean | undefined>
  const merged: NodeJS.ProcessEnv = { ...env }
  for (const s of SETTINGS) {
    const value = given[s.flag.slice(2)]
    if (typeof value === 'string') merged[s.env] = value
  }
  return { help: values.help === true, env: merged }
}
