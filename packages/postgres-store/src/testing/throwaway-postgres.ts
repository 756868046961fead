import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface ThrowawayPostgres {
  /** `postgres://…` to connect to. */
  readonly url: string
  /** Restarts the server (immediate shutdown): connections in flight fail. Only for clusters started here. */
  restart(): Promise<void>
  /** Stops the server and removes its files; does nothing for `DATABASE_URL`. */
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** Where the PostgreSQL server binaries are: `PG_BIN`, else Debian's PostgreSQL 15 path. */
export function postgresBinaries(): string {
  return process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'
}

/**
 * Uses `DATABASE_URL` when set; otherwise starts a throwaway PostgreSQL cluster from the machine's binaries on a
 * free loopback port (as the `postgres` user when running as root, since postgres refuses root), for tests.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const given = process.env.DATABASE_URL
  if (given) {
    return {
      url: given,
      restart: () => Promise.reject(new Error('cannot restart a server given by DATABASE_URL')),
      stop: async () => {},
    }
  }
  const bin = postgresBinaries()
  if (!existsSync(join(bin, 'pg_ctl')))
    throw new Error(`no PostgreSQL binaries in ${bin}: install postgresql or set DATABASE_URL`)
  const dir = mkdtempSync(join(tmpdir(), 'joinery-pg-'))
  const asRoot = process.getuid?.() === 0
  const as = async (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : run(join(bin, command), args)
  if (asRoot) {
    const ids = await run('id', ['-u', 'postgres'])
    const gids = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()))
  }
  const port = await freePort()
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`
  await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
    },
    stop: async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
