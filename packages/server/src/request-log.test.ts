import { Secp256k1Keypair } from '@atproto/crypto'
import { createServiceJwt } from '@atproto/xrpc-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configFromEnv } from './config.js'
import { escapeForLog } from './log-line.js'
import { type RunningServer, startServer } from './server.js'

const FAKE = '2026-01-01T00:00:00.000Z chat.bsky.group.approveJoinRequest did:plc:admin → 200 in 3 ms'
let server: RunningServer
const lines: string[] = []

beforeAll(async () => {
  const config = { ...configFromEnv({}), port: 0, tlsPort: null, log: true }
  server = await startServer(config, (line) => lines.push(line))
}, 60_000)
afterAll(() => server.stop())

/** The lines logged while `send` runs (the log is written when the answer has been sent). */
async function loggedBy(send: () => Promise<Response>): Promise<string[]> {
  const before = lines.length
  const res = await send()
  await res.arrayBuffer()
  await new Promise((r) => setTimeout(r, 50))
  return lines.slice(before).flatMap((l) => l.split('\n'))
}

const xrpc = (nsid: string, token: string) =>
  fetch(`${server.httpUrl}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'G', members: [] }),
  })

describe('the request log', () => {
  it('writes one line naming unauthenticated, its newline escaped, for a forged issuer on an unknown method', async () => {
    const keypair = await Secp256k1Keypair.create()
    const nsid = 'chat.bsky.group.noSuchMethod'
    const token = await createServiceJwt({
      iss: `${keypair.did()}\n${FAKE}`,
      aud: server.serviceDid,
      lxm: nsid,
      keypair,
    })
    const logged = await loggedBy(() => xrpc(nsid, token))
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/ chat\.bsky\.group\.noSuchMethod unauthenticated → 501 in \d+ ms$/)
    expect(logged[0]).not.toContain('did:plc:admin')
  })

  it('names unauthenticated for a refused token on a served method, whatever it claims', async () => {
    const keypair = await Secp256k1Keypair.create()
    const nsid = 'chat.bsky.group.createGroup'
    const token = await createServiceJwt({ iss: `did:plc:admin\n${FAKE}`, aud: server.serviceDid, lxm: nsid, keypair })
    const logged = await loggedBy(() => xrpc(nsid, token))
    expect(logged).toEqual([expect.stringMatching(/ chat\.bsky\.group\.createGroup unauthenticated → 401 in \d+ ms$/)])
  })

  it('names the verified DID, and the verified Bitrix24 user (or unauthenticated for a wrong webhook code)', async () => {
    const keypair = await Secp256k1Keypair.create()
    const nsid = 'chat.bsky.group.createGroup'
    const token = await createServiceJwt({ iss: keypair.did(), aud: server.serviceDid, lxm: nsid, keypair })
    expect(await loggedBy(() => xrpc(nsid, token))).toEqual([
      expect.stringMatching(new RegExp(` chat\\.bsky\\.group\\.createGroup ${keypair.did()} → 200 in \\d+ ms$`)),
    ])
    expect(await loggedBy(() => fetch(`${server.httpUrl}/rest/2/demo-hook-2/sonet_group.user.groups`))).toEqual([
      expect.stringMatching(/ sonet_group\.user\.groups user 2 → 200 in \d+ ms$/),
    ])
    expect(await loggedBy(() => fetch(`${server.httpUrl}/rest/1/wrong-code/sonet_group.user.groups`))).toEqual([
      expect.stringMatching(/ sonet_group\.user\.groups unauthenticated → 401 in \d+ ms$/),
    ])
  })
})

describe(escapeForLog, () => {
  it('escapes newline, CR, tab, ANSI escapes, other C0 and C1 characters, DEL, line separators and backslashes', () => {
    expect(escapeForLog('a\nb\rc\td')).toBe('a\\nb\\rc\\td')
    expect(escapeForLog('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m')
    expect(escapeForLog('\u0000\u0007\u007f\u0085\u009b\u2028\u2029')).toBe('\\x00\\x07\\x7f\\x85\\x9b\\u2028\\u2029')
    expect(escapeForLog('a\\nb')).toBe('a\\\\nb')
    expect(escapeForLog('plain → ümlaut 🎉')).toBe('plain → ümlaut 🎉')
  })
})
