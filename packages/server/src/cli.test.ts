import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { globalAgent } from 'node:https'
import { rootCertificates } from 'node:tls'
import { promisify } from 'node:util'
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { B24Hook } from '@bitrix24/b24jssdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SETTINGS, settingsFromArgs } from './config.js'

const cli = new URL('./cli.ts', import.meta.url).pathname
const node = ['--conditions=dev-source', '--import', 'tsx', cli]
const run = promisify(execFile)

/** The started command, its output so far, and what its banner says. */
interface Started {
  readonly child: ChildProcessWithoutNullStreams
  readonly output: () => string
  readonly httpUrl: string
  readonly httpsUrl: string
  readonly serviceDid: string
  readonly certificateFile: string
}

/** Spawns `joinery-server` as a user would (from the sources), with `args`, and waits for its banner. */
async function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [...node, ...args], {
    env: { ...process.env, PORT: '', TLS_PORT: '', DATABASE_URL: '', DATA_DIR: '' },
  })
  let output = ''
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
    certificateFile: find(/HTTPS certificate: (\S+)/),
  }
}

/** A did:key user of `@atproto/api` whose every call carries a fresh service JWT for its method. */
async function atprotoUser(server: Started) {
  const keypair = await Secp256k1Keypair.create()
  const agent = new AtpAgent({ service: server.httpUrl })
  const headers = async (lxm: string) => ({
    authorization: `Bearer ${await createServiceJwt({ iss: keypair.did(), aud: server.serviceDid, lxm, keypair })}`,
  })
  return { did: keypair.did(), agent, headers }
}

describe('joinery-server', () => {
  let server: Started
  beforeAll(async () => {
    server = await startCli(['--port', '0', '--tls-port=0', '--group-member-limit', '7'])
  }, 60_000)
  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
  })

  it('says in its banner that did:key callers are accepted, and where each protocol and the certificate are', () => {
    expect(server.output()).toMatch(/did:key callers — accepted because this is a local development server/)
    expect(server.output()).toContain('storage: PGlite in memory')
    expect(readFileSync(server.certificateFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/)
  })

  it('serves chat.bsky.group.* to @atproto/api with the settings of its flags', async () => {
    const ada = await atprotoUser(server)
    const bo = await atprotoUser(server)
    const created = await ada.agent.chat.bsky.group.createGroup(
      { name: 'Climbers', members: [] },
      { headers: await ada.headers('chat.bsky.group.createGroup') },
    )
    expect(created.data.convo.kind).toMatchObject({ memberLimit: 7 })
    const link = await ada.agent.chat.bsky.group.createJoinLink(
      { convoId: created.data.convo.id, joinRule: 'anyone' },
      { headers: await ada.headers('chat.bsky.group.createJoinLink') },
    )
    const joined = await bo.agent.chat.bsky.group.requestJoin(
      { code: link.data.joinLink.code },
      { headers: await bo.headers('chat.bsky.group.requestJoin') },
    )
    expect(joined.data.status).toBe('joined')
  })

  it('serves sonet_group.* to the official Bitrix24 SDK over HTTPS with the certificate it wrote', async () => {
    // What NODE_EXTRA_CA_CERTS does for a whole process, for this test's HTTPS agent only.
    const before = globalAgent.options.ca
    globalAgent.options.ca = [...rootCertificates, readFileSync(server.certificateFile, 'utf8')]
    try {
      const hook = (userId: number) => {
        const b24 = B24Hook.fromWebhookUrl(`${server.httpsUrl}/rest/${userId}/demo-hook-${userId}/`)
        b24.offClientSideWarning()
        return b24
      }
      const call = async (userId: number, method: string, params: Record<string, unknown>) =>
        (await hook(userId).actions.v2.call.make({ method, params })).getData()?.result
      const groupId = await call(1, 'sonet_group.create', { NAME: 'Open workgroup', OPENED: 'Y' })
      expect(await call(2, 'sonet_group.user.request', { GROUP_ID: groupId })).toBe(true)
      const members = (await call(1, 'sonet_group.user.get', { ID: groupId })) as { USER_ID: string }[]
      expect(members.map((m) => m.USER_ID)).toEqual(['1', '2'])
    } finally {
      globalAgent.destroy()
      globalAgent.options.ca = before as string[]
    }
  })

  it('stops cleanly on SIGINT and removes its certificate file', async () => {
    const exit = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)))
    server.child.kill('SIGINT')
    expect(await exit).toBe(0)
    expect(server.output()).toContain('SIGINT: stopping')
    expect(existsSync(server.certificateFile)).toBe(false)
  })

  it('prints every setting under --help, and refuses an unknown flag or a bad value with exit code 2', async () => {
    const help = (await run(process.execPath, [...node, '--help'])).stdout
    for (const s of SETTINGS) {
      expect(help).toContain(s.flag)
      expect(help).toContain(s.env)
    }
    await expect(run(process.execPath, [...node, '--prot', '1'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--prot/),
    })
    await expect(run(process.execPath, [...node, '--port', 'eighty'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/PORT must be a whole number, got eighty/),
    })
  }, 60_000)
})

describe(settingsFromArgs, () => {
  it('lets a flag win over its environment variable and leaves the others', () => {
    const { env } = settingsFromArgs(['--database-url', 'postgres://flag', '--tls-port=off'], {
      DATABASE_URL: 'postgres://env',
      BITRIX_ADMINS: '1,4',
    })
    expect(env).toMatchObject({ DATABASE_URL: 'postgres://flag', TLS_PORT: 'off', BITRIX_ADMINS: '1,4' })
  })
})

describe('the README', () => {
  it('lists exactly the settings the command takes, with their flags and defaults', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const rows = [...readme.matchAll(/^\| `(--[a-z-]+)`, `([A-Z_]+)` \| `?([^|`]+?)`? \|/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ])
    expect(rows).toEqual(SETTINGS.map((s) => [s.flag, s.env, s.default]))
  })
})
