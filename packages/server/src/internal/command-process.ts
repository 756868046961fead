// Test helpers: `joinery-server` started as a user starts it (a child process, from the sources) and the official
// clients pointed at it. Used by the command's tests only; not part of the package's surface.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process'
import { globalAgent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { promisify } from 'node:util'
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { B24Hook } from '@bitrix24/b24jssdk'

const cli = new URL('../cli.ts', import.meta.url).pathname

/** Node's arguments that run the command from its sources; append the command's own. */
export const commandArgs = ['--conditions=dev-source', '--import', 'tsx', cli]

/** The settings a test must not inherit from the environment it runs in. */
const clean = { PORT: '', TLS_PORT: '', TLS_CERT_FILE: '', TLS_KEY_FILE: '', DATABASE_URL: '', DATA_DIR: '' }

/**
 * Runs the command to its end with `args`; rejects with its `code` and `stderr` when it exits non-zero, and kills it
 * (`code` null, `signal` SIGTERM) if it has not ended after `timeoutMs`.
 */
export function runCommand(args: string[], timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [...commandArgs, ...args], {
    env: { ...process.env, ...clean },
    timeout: timeoutMs,
  })
}

/** The started command, its output so far, and what its banner says. */
export interface StartedCommand {
  readonly child: ChildProcessWithoutNullStreams
  readonly output: () => string
  readonly httpUrl: string
  readonly httpsUrl: string
  readonly serviceDid: string
  /** The throwaway certificate file the banner names; `null` when it names none. */
  readonly certificateFile: string | null
  /** Resolves with the exit code once the command has exited. */
  readonly exited: Promise<number | null>
}

/** Spawns `joinery-server` with `args` and waits for its banner. */
export async function startCommand(args: string[]): Promise<StartedCommand> {
  const child = spawn(process.execPath, [...commandArgs, ...args], { env: { ...process.env, ...clean } })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${output}`)), 30_000)
    const check = () => {
      if (output.includes('Press Ctrl+C')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', check)
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
  })
  const find = (pattern: RegExp) => {
    const m = pattern.exec(output)
    if (!m?.[1]) throw new Error(`banner has no ${pattern}: ${output}`)
    return m[1]
  }
  return {
    child,
    output: () => output,
    httpUrl: find(/AT Protocol XRPC:\s+(http:\/\/[^/\s]+)\/xrpc/),
    httpsUrl: find(/(https:\/\/[^/\s]+)\/rest\//),
    serviceDid: find(/service DID (\S+)\)/),
    certificateFile: /HTTPS certificate: (\S+)\n\s+\(trust it/.exec(output)?.[1] ?? null,
    exited,
  }
}

/** Sends `signal` and resolves with the exit code. */
export async function stopCommand(started: StartedCommand, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  started.child.kill(signal)
  return started.exited
}

/**
 * A did:key user of `@atproto/api` whose every call carries a fresh service JWT for its method; the same user on
 * another server (or the same server started again) when given the `keypair` of an earlier one.
 */
export async function atprotoUser(server: { httpUrl: string; serviceDid: string }, given?: Secp256k1Keypair) {
  const keypair = given ?? (await Secp256k1Keypair.create())
  const agent = new AtpAgent({ service: server.httpUrl })
  const headers = async (lxm: string) => ({
    authorization: `Bearer ${await createServiceJwt({ iss: keypair.did(), aud: server.serviceDid, lxm, keypair })}`,
  })
  return { did: keypair.did(), keypair, agent, headers }
}

/**
 * Runs `work` with `@bitrix24/b24jssdk` calls to `httpsUrl` (as the webhook user `userId`, `demo-hook-<userId>`)
 * trusting `ca` beside the usual roots: what NODE_EXTRA_CA_CERTS does for a whole process, for this process's HTTPS
 * agent only, and only while `work` runs.
 */
export async function withBitrixOverHttps<T>(
  httpsUrl: string,
  ca: string,
  work: (call: BitrixCall) => Promise<T>,
): Promise<T> {
  const before = globalAgent.options.ca
  globalAgent.options.ca = [...rootCertificates, ca]
  try {
    return await work(async (userId, method, params) => {
      const b24 = B24Hook.fromWebhookUrl(`${httpsUrl}/rest/${userId}/demo-hook-${userId}/`)
      b24.offClientSideWarning()
      return (await b24.actions.v2.call.make({ method, params })).getData()?.result
    })
  } finally {
    globalAgent.destroy()
    globalAgent.options.ca = before as string[]
  }
}

/** A Bitrix24 call as {@link withBitrixOverHttps} hands it out. */
export type BitrixCall = (userId: number, method: string, params: Record<string, unknown>) => Promise<unknown>

/**
 * The Bitrix24 story every command test tells: user 1 creates an open workgroup named `name`, user 2 joins it by
 * `sonet_group.user.request`; returns the group's id, what the request answered and the members user 1 then lists.
 */
export async function openWorkgroupJoinedByUser2(call: BitrixCall, name: string) {
  const groupId = await call(1, 'sonet_group.create', { NAME: name, OPENED: 'Y' })
  const requested = await call(2, 'sonet_group.user.request', { GROUP_ID: groupId })
  const members = (await call(1, 'sonet_group.user.get', { ID: groupId })) as { USER_ID: string }[]
  return { groupId, requested, members: members.map((m) => m.USER_ID) }
}
