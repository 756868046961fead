import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SETTINGS, settingsFromArgs } from './config.js'
import {
  atprotoUser,
  openWorkgroupJoinedByUser2,
  runCommand,
  type StartedCommand,
  startCommand,
  stopCommand,
  withBitrixOverHttps,
} from './internal/command-process.js'

describe('joinery-server', () => {
  let server: StartedCommand
  let certificateFile: string
  beforeAll(async () => {
    server = await startCommand(['--port', '0', '--tls-port=0', '--group-member-limit', '7'])
    if (!server.certificateFile) throw new Error(`no certificate file in the banner: ${server.output()}`)
    certificateFile = server.certificateFile
  }, 60_000)
  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
  })

  it('says in its banner that did:key callers are accepted, and where each protocol and the certificate are', () => {
    expect(server.output()).toMatch(/did:key callers — accepted because this is a local development server/)
    expect(server.output()).toContain('storage: PGlite in memory')
    expect(server.output()).toContain('(HTTPS, throwaway certificate)')
    expect(readFileSync(certificateFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/)
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
    const story = await withBitrixOverHttps(server.httpsUrl, readFileSync(certificateFile, 'utf8'), (call) =>
      openWorkgroupJoinedByUser2(call, 'Open workgroup'),
    )
    expect(story).toMatchObject({ requested: true, members: ['1', '2'] })
  })

  it('stops cleanly on SIGINT and removes its certificate file', async () => {
    expect(await stopCommand(server, 'SIGINT')).toBe(0)
    expect(server.output()).toContain('SIGINT: stopping')
    expect(existsSync(certificateFile)).toBe(false)
  })

  it('prints every setting under --help, and refuses an unknown flag or a bad value with exit code 2', async () => {
    const help = (await runCommand(['--help'])).stdout
    for (const s of SETTINGS) {
      expect(help).toContain(s.flag)
      expect(help).toContain(s.env)
    }
    await expect(runCommand(['--prot', '1'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--prot/),
    })
    await expect(runCommand(['--port', 'eighty'])).rejects.toMatchObject({
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
