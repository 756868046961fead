import { readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import {
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '@joinery/postgres-store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  atprotoUser,
  openWorkgroupJoinedByUser2,
  runCommand,
  type StartedCommand,
  startCommand,
  stopCommand,
  withBitrixOverHttps,
} from './internal/command-process.js'

const available = postgresServerAvailable('the joinery-server --database-url tests')

describe.runIf(available)('joinery-server --database-url', () => {
  let pg: ThrowawayPostgres
  const started: StartedCommand[] = []
  const start = async () => {
    const server = await startCommand(['--port', '0', '--tls-port', '0', '--database-url', pg.url])
    started.push(server)
    return server
  }
  /** The certificate file the command wrote for its HTTPS port. */
  const certificateOf = (server: StartedCommand) => {
    if (!server.certificateFile) throw new Error(`no certificate file in the banner: ${server.output()}`)
    return readFileSync(server.certificateFile, 'utf8')
  }
  beforeAll(async () => {
    pg = await startThrowawayPostgres()
  }, 120_000)
  afterAll(async () => {
    for (const server of started) if (server.child.exitCode === null) server.child.kill('SIGKILL')
    await pg.stop()
  })

  it('serves both protocols from the PostgreSQL server, stops on SIGTERM, and keeps its groups for the next start', async () => {
    const first = await start()
    expect(first.output()).toContain('storage: PostgreSQL server (DATABASE_URL)')
    expect(first.output()).toContain('DATABASE_URL=(set)')
    expect(first.output()).not.toContain(pg.url)

    const ada = await atprotoUser(first)
    const bo = await atprotoUser(first)
    const created = await ada.agent.chat.bsky.group.createGroup(
      { name: 'Kept climbers', members: [] },
      { headers: await ada.headers('chat.bsky.group.createGroup') },
    )
    const convoId = created.data.convo.id
    const link = await ada.agent.chat.bsky.group.createJoinLink(
      { convoId, joinRule: 'anyone' },
      { headers: await ada.headers('chat.bsky.group.createJoinLink') },
    )
    const joined = await bo.agent.chat.bsky.group.requestJoin(
      { code: link.data.joinLink.code },
      { headers: await bo.headers('chat.bsky.group.requestJoin') },
    )
    expect(joined.data.status).toBe('joined')
    const story = await withBitrixOverHttps(first.httpsUrl, certificateOf(first), (call) =>
      openWorkgroupJoinedByUser2(call, 'Kept workgroup'),
    )
    expect(story).toMatchObject({ requested: true, members: ['1', '2'] })
    const workgroup = story.groupId
    expect(await stopCommand(first, 'SIGTERM')).toBe(0)
    expect(first.output()).toContain('SIGTERM: stopping')

    // Started again on the same database (new ports, so a new default service DID): the same callers see the same
    // groups and members.
    const second = await start()
    const adaAgain = await atprotoUser(second, ada.keypair)
    const members = await adaAgain.agent.chat.bsky.convo.getConvoMembers(
      { convoId },
      { headers: await adaAgain.headers('chat.bsky.convo.getConvoMembers') },
    )
    expect(members.data.members.map((m) => m.did).sort()).toEqual([ada.did, bo.did].sort())
    await withBitrixOverHttps(second.httpsUrl, certificateOf(second), async (call) => {
      const people = (await call(1, 'sonet_group.user.get', { ID: workgroup })) as { USER_ID: string }[]
      expect(people.map((m) => m.USER_ID)).toEqual(['1', '2'])
      const groups = (await call(1, 'sonet_group.get', { FILTER: { ID: workgroup } })) as { NAME: string }[]
      expect(groups.map((g) => g.NAME)).toEqual(['Kept workgroup'])
    })
    expect(await stopCommand(second, 'SIGTERM')).toBe(0)
  }, 180_000)
})

describe('joinery-server --database-url with no database behind it', () => {
  const sockets: Socket[] = []
  let silent: Server
  let silentPort: number
  let closedPort: number
  beforeAll(async () => {
    // A port that takes connections and never answers, as a frozen server or a dropped route does: only the connect
    // timeout ends the wait.
    silent = createServer((socket) => sockets.push(socket))
    silentPort = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    )
    // A port nothing listens on: refused at once.
    const closed = createServer()
    closedPort = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as { port: number }).port)),
    )
    await new Promise((resolve) => closed.close(resolve))
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  it('exits 1 with the server it could not use, after the connect timeout, never printing the password', async () => {
    // The command is killed (code null) if it waits past 30 s: without the connect timeout, it would wait for ever.
    const run = (port: number) =>
      runCommand(
        [
          '--port',
          '0',
          '--tls-port',
          'off',
          '--database-url',
          `postgres://joinery:hunter2@127.0.0.1:${port}/joinery`,
          '--db-connect-timeout-ms',
          '1000',
        ],
        30_000,
      )
    const [silentOutcome, refusedOutcome] = await Promise.allSettled([run(silentPort), run(closedPort)])
    expect(silentOutcome).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringContaining(
          `joinery-server: could not start: cannot use the PostgreSQL server at 127.0.0.1:${silentPort} (DATABASE_URL; connect timeout 1000 ms): `,
        ),
      },
    })
    expect(sockets.length).toBeGreaterThan(0)
    expect(refusedOutcome).toMatchObject({
      status: 'rejected',
      reason: {
        code: 1,
        stderr: expect.stringMatching(
          new RegExp(
            `could not start: cannot use the PostgreSQL server at 127\\.0\\.0\\.1:${closedPort} .*ECONNREFUSED`,
          ),
        ),
      },
    })
    for (const outcome of [silentOutcome, refusedOutcome])
      expect(outcome).toMatchObject({
        reason: { stderr: expect.not.stringMatching(/hunter2|\n\s+at /), stdout: expect.not.stringMatching(/hunter2/) },
      })
  }, 60_000)
})
