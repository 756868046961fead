import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Secp256k1Keypair } from '@atproto/crypto'
import { IdResolver } from '@atproto/identity'
import { createServiceJwt } from '@atproto/xrpc-server'
import { configFromEnv, startServer } from '@joinery/server'
import { describe, expect, it } from 'vitest'
import { playScenario, TERMS } from './scenario.js'

const run = promisify(execFile)
const quiet = { ...configFromEnv({}), port: 0, tlsPort: 0, log: false }

describe('the demo server', () => {
  it('plays the whole demo story through the official clients as narrated, showing each call made', async () => {
    const config = { ...quiet, groupMemberLimit: 4 }
    const server = await startServer(config)
    try {
      const steps = await playScenario(server, config)
      expect(steps.filter((s) => !s.asExpected).map((s) => `${s.says}: ${s.call} → ${s.outcome}`)).toEqual([])
      // Every step shows the call it made: an XRPC method with its verb, or a Bitrix24 method, and what came back.
      for (const s of steps) {
        const shape =
          s.protocol === 'atproto'
            ? /^(GET|POST) (chat\.bsky\.group\.\w+ \{|\/\.well-known)/
            : /^(sonet_group\.[\w.]+ \{|batch)/
        expect(s.call, s.says).toMatch(shape)
        expect(s.outcome, s.says).not.toBe('')
      }
      const bitrix = steps.filter((s) => s.protocol === 'bitrix24')
      const made = (method: string) => bitrix.filter((s) => s.call.startsWith(method))
      // The Bitrix24 part: a request, the owner's approval, a banned user refused, and a batch.
      expect(made('sonet_group.user.request {').length).toBeGreaterThanOrEqual(3)
      expect(made('sonet_group.user.request.approve').map((s) => s.outcome)).toEqual([expect.stringMatching(/^true/)])
      expect(made('sonet_group.user.request {').at(-1)?.outcome).toMatch(/^400 ERROR_USER_BANNED/)
      expect(made('batch')).toHaveLength(1)
      expect(steps.filter((s) => s.protocol === 'atproto').length).toBeGreaterThanOrEqual(15)
    } finally {
      await server.stop()
    }
  }, 60_000)

  it('pnpm demo explains its terms once, prints each call beside its outcome and ends as narrated', async () => {
    const demo = await run(
      process.execPath,
      ['--conditions=dev-source', '--import', 'tsx', new URL('./demo.ts', import.meta.url).pathname],
      { env: { ...process.env, TLS_PORT: 'off', BITRIX_WEBHOOKS: '' } },
    )
    const out = demo.stdout
    for (const [term] of TERMS)
      expect(out.match(new RegExp(`^  ${term.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `, 'gm')), term).toHaveLength(1)
    expect(out).toMatch(
      /✓ bo opens the link and is in at once\n {4}POST chat\.bsky\.group\.requestJoin \{code: "[^"]+"\}\n {6}→ joined\n/,
    )
    expect(out).toMatch(/ {4}sonet_group\.user\.request \{GROUP_ID: 3, MESSAGE: "I would like to help"\}\n {6}→ true\n/)
    expect(out).not.toMatch(/^✗/m)
    expect(out.trimEnd().endsWith('Everything happened as narrated.')).toBe(true)
  }, 60_000)

  it('serves its own DID document, names its port in its default DID, and refuses did:key callers when told to', async () => {
    for (const allowDidKey of [true, false]) {
      const server = await startServer({ ...quiet, tlsPort: null, allowDidKey })
      try {
        const port = new URL(server.httpUrl).port
        expect(server.serviceDid).toBe(`did:web:localhost%3A${port}`)
        const doc = await new IdResolver({ timeout: 2_000 }).did.resolve(server.serviceDid)
        expect(doc?.service).toEqual([
          { id: '#bsky_chat', type: 'BskyChatService', serviceEndpoint: `http://localhost:${port}` },
        ])
        const keypair = await Secp256k1Keypair.create()
        const lxm = 'chat.bsky.group.createGroup'
        const token = await createServiceJwt({ iss: keypair.did(), aud: server.serviceDid, lxm, keypair })
        const res = await fetch(`${server.httpUrl}/xrpc/${lxm}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Key', members: [] }),
        })
        expect(res.status, `allowDidKey ${allowDidKey}`).toBe(allowDidKey ? 200 : 401)
      } finally {
        await server.stop()
      }
    }
  }, 60_000)

  it('keeps its data in DATA_DIR across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'joinery-demo-'))
    try {
      const config = { ...quiet, tlsPort: null, dataDir }
      const hook = (url: string) => `${url}/rest/1/demo-hook-1`
      const first = await startServer(config)
      const created = (await (await fetch(`${hook(first.httpUrl)}/sonet_group.create?NAME=Kept`)).json()) as {
        result: number
      }
      await first.stop()
      const second = await startServer(config)
      const listed = (await (await fetch(`${hook(second.httpUrl)}/sonet_group.get`)).json()) as {
        result: { ID: string; NAME: string }[]
      }
      await second.stop()
      expect(listed.result).toEqual([expect.objectContaining({ ID: String(created.result), NAME: 'Kept' })])
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 60_000)

  it('logs one line per request and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=dev-source', '--import', 'tsx', new URL('./main.ts', import.meta.url).pathname],
      {
        env: { ...process.env, PORT: '0', TLS_PORT: 'off' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line: ${output}`)), 30_000)
      child.stdout.on('data', () => {
        const m = /AT Protocol XRPC:\s+(http:\/\/[^/]+)\/xrpc/.exec(output)
        if (m && output.includes('Press Ctrl+C')) {
          clearTimeout(timer)
          resolve(m[1] as string)
        }
      })
    })
    const res = await fetch(`${url}/rest/2/demo-hook-2/sonet_group.user.groups`)
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 100))
    expect(output).toMatch(/sonet_group\.user\.groups user 2 → 200 in \d+ ms/)
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(output).toContain('SIGTERM: stopping')
  }, 60_000)
})
