import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv, SETTINGS, type ServerConfig, settingsFromArgs } from './config.js'
import { type RunningServer, startServer } from './server.js'

/** What `joinery-server --help` prints: the usage and every setting, with its flag, variable and default. */
export function helpText(): string {
  const rows = SETTINGS.map(
    (s) => `  ${`${s.flag} <value>`.padEnd(44)}${s.env} (default ${s.default})\n  ${''.padEnd(44)}${s.meaning}`,
  )
  return `joinery-server — Joinery's two protocols in one process, for local development and tests

  AT Protocol  /xrpc/chat.bsky.group.*  (service JWTs; did:key callers accepted unless --allow-did-key off)
  Bitrix24     /rest/{userId}/{code}/sonet_group.*  (inbound webhooks, OAuth tokens from /oauth/token/, batch)

Usage: joinery-server [--flag value]…   (each flag may also be given as its environment variable; a flag wins)

${rows.join('\n')}
  ${'-h, --help'.padEnd(44)}this text

Storage is in memory unless --data-dir (PGlite in a folder) or --database-url (a PostgreSQL server) is given.
Stops cleanly on Ctrl+C (SIGINT) or SIGTERM.`
}

/** The lines printed once the server listens: where each protocol is, who may call, and the settings in force. */
export function bannerFor(server: RunningServer, config: ServerConfig, certificateFile: string | null): string {
  const pad = '\n                     '
  const base = server.httpsUrl ?? server.httpUrl
  return `Joinery server — storage: ${server.storage}
  AT Protocol XRPC:  ${server.httpUrl}/xrpc/chat.bsky.group.*   (service DID ${server.serviceDid})
  DID document:      ${server.httpUrl}/.well-known/did.json   (#bsky_chat)
  Callers:           did:plc and did:web accounts (keys from their DID documents, PLC directory ${config.plcUrl ?? 'https://plc.directory'})${
    config.allowDidKey
      ? `${pad}and did:key callers — accepted because this is a local development server; ALLOW_DID_KEY=off refuses them`
      : '; did:key callers refused (ALLOW_DID_KEY=off)'
  }
  Bitrix24 REST:     ${server.httpUrl}/rest/{userId}/{code}/sonet_group.*${server.httpsUrl ? `${pad}${server.httpsUrl}/rest/… (HTTPS, ${config.tlsFiles ? "the operator's certificate" : 'throwaway certificate'})` : ''}${
    certificateFile
      ? `\n  HTTPS certificate: ${certificateFile}${pad}(trust it: NODE_EXTRA_CA_CERTS=${certificateFile}, curl --cacert ${certificateFile})`
      : ''
  }${
    server.httpsUrl && config.tlsFiles
      ? `\n  HTTPS certificate: ${config.tlsFiles.certFile} (the operator's, valid until ${server.operatorCertificateValidTo ?? '?'})${pad}key ${config.tlsFiles.keyFile} (TLS_CERT_FILE, TLS_KEY_FILE)`
      : ''
  }
  Webhooks:          ${config.bitrixWebhooks.map((w) => `${base}/rest/${w.userId}/${w.code}/`).join(pad)}
  OAuth tokens:      ${server.httpUrl}/oauth/token/?grant_type=client_credentials&client_id={userId}&client_secret={code}
                     then ${server.httpUrl}/rest/{method}?auth={access_token} (or Authorization: Bearer)
  Portal admins:     ${config.bitrixAdmins.join(', ') || '(none)'} (BITRIX_ADMINS)
  Settings: PORT=${config.port} TLS_PORT=${config.tlsPort ?? 'off'} SERVICE_DID=${server.serviceDid} ALLOW_DID_KEY=${config.allowDidKey ? 'on' : 'off'} DATA_DIR=${config.dataDir ?? ''} DATABASE_URL=${config.databaseUrl ? '(set)' : ''} GROUP_MEMBER_LIMIT=${config.groupMemberLimit} RETRY_AFTER_SECONDS=${config.retryAfterSeconds}${config.databaseUrl ? ` DB_CONNECT_TIMEOUT_MS=${config.dbTimeouts.connectTimeoutMs} DB_STATEMENT_TIMEOUT_MS=${config.dbTimeouts.statementTimeoutMs} DB_LOCK_TIMEOUT_MS=${config.dbTimeouts.lockTimeoutMs} DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=${config.dbTimeouts.idleInTransactionTimeoutMs}` : ''}
Press Ctrl+C to stop.`
}

/**
 * Runs `joinery-server`: reads the flags over the environment, starts the server, prints the banner, and stops
 * cleanly on SIGINT or SIGTERM (exit 0). `--help` prints {@link helpText}; a bad flag or value exits 2 (so does
 * `--tls-cert` without `--tls-key`), a server that cannot start (a port in use, an unreachable database, a certificate
 * file that cannot be read or whose key does not match) exits 1.
 */
export async function serveFromCommandLine(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let config: ServerConfig
  try {
    const parsed = settingsFromArgs(argv, env)
    if (parsed.help) {
      console.log(helpText())
      return
    }
    config = configFromEnv(parsed.env)
  } catch (error) {
    console.error(`joinery-server: ${error instanceof Error ? error.message : String(error)} (see --help)`)
    process.exit(2)
  }
  let server: RunningServer
  try {
    server = await startServer(config)
  } catch (error) {
    console.error(`joinery-server: could not start: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
  // Clients outside this process trust the throwaway certificate through a file (NODE_EXTRA_CA_CERTS, curl --cacert);
  // the operator's certificate (TLS_CERT_FILE) has none to write.
  let certificateDir: string | null = null
  let certificateFile: string | null = null
  if (server.certificate) {
    certificateDir = mkdtempSync(join(tmpdir(), 'joinery-server-'))
    certificateFile = join(certificateDir, 'certificate.pem')
    writeFileSync(certificateFile, server.certificate)
  }
  console.log(bannerFor(server, config, certificateFile))

  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      console.log(`\n${signal}: stopping…`)
      server
        .stop()
        .finally(() => {
          if (certificateDir) rmSync(certificateDir, { recursive: true, force: true })
        })
        .then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('could not stop cleanly:', error)
            process.exit(1)
          },
        )
    })
  }
}
