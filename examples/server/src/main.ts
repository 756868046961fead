import { configFromEnv } from './config.js'
import { startServer } from './server.js'

const config = configFromEnv()
const server = await startServer(config)
console.log(`Joinery demo server — storage: ${server.storage}
  AT Protocol XRPC:  ${server.httpUrl}/xrpc/chat.bsky.group.*   (service DID ${server.serviceDid})
  DID document:      ${server.httpUrl}/.well-known/did.json   (#bsky_chat)
  Callers:           did:plc and did:web accounts (keys from their DID documents, PLC directory ${config.plcUrl ?? 'https://plc.directory'})${
    config.allowDidKey
      ? '\n                     and did:key callers — accepted because this is a local development server; ALLOW_DID_KEY=off refuses them'
      : '; did:key callers refused (ALLOW_DID_KEY=off)'
  }
  Bitrix24 REST:     ${server.httpUrl}/rest/{userId}/{code}/sonet_group.*${server.httpsUrl ? `\n                     ${server.httpsUrl}/rest/… (HTTPS, throwaway certificate)` : ''}
  Webhooks:          ${config.bitrixWebhooks.map((w) => `${server.httpsUrl ?? server.httpUrl}/rest/${w.userId}/${w.code}/`).join('\n                     ')}
  OAuth tokens:      ${server.httpUrl}/oauth/token/?grant_type=client_credentials&client_id={userId}&client_secret={code}
                     then ${server.httpUrl}/rest/{method}?auth={access_token} (or Authorization: Bearer)
  Portal admins:     ${config.bitrixAdmins.join(', ') || '(none)'} (BITRIX_ADMINS)
  Settings: PORT=${config.port} TLS_PORT=${config.tlsPort ?? 'off'} SERVICE_DID=${server.serviceDid} ALLOW_DID_KEY=${config.allowDidKey ? 'on' : 'off'} DATA_DIR=${config.dataDir ?? ''} DATABASE_URL=${config.databaseUrl ? '(set)' : ''} GROUP_MEMBER_LIMIT=${config.groupMemberLimit} RETRY_AFTER_SECONDS=${config.retryAfterSeconds}${config.databaseUrl ? ` DB_CONNECT_TIMEOUT_MS=${config.dbTimeouts.connectTimeoutMs} DB_STATEMENT_TIMEOUT_MS=${config.dbTimeouts.statementTimeoutMs} DB_LOCK_TIMEOUT_MS=${config.dbTimeouts.lockTimeoutMs} DB_IDLE_IN_TRANSACTION_TIMEOUT_MS=${config.dbTimeouts.idleInTransactionTimeoutMs}` : ''}
Press Ctrl+C to stop.`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping…`)
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('could not stop cleanly:', error)
        process.exit(1)
      },
    )
  })
}
