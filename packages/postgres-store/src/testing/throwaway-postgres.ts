import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
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
  /** Stops the server immediately without restarting it (`restart` or `start` brings it back). */
  shutdown(): Promise<void>
  /** Starts a server stopped by `shutdown`. */
  start(): Promise<void>
  /**
   * Pauses the server: SIGSTOP to the postmaster and every backend, so connections stay open and nothing answers,
   * as with a frozen VM or a stalled disk. Always `resume()` in a `finally`. Only for clusters started here.
   */
  pause(): Promise<void>
  /** SIGCONT to every process `pause` stopped. Does nothing when not paused. */
  resume(): Promise<void>
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
 * Whether `what` (a suite of PostgreSQL server tests) can run here: a `DATABASE_URL`, or the binaries to start a
 * throwaway cluster. Where neither is, it throws when `JOINERY_REQUIRE_POSTGRES` is set (CI: fail, never skip) and
 * otherwise says that it skips.
 */
export function postgresServerAvailable(what: string): boolean {
  const available = Boolean(process.env.DATABASE_URL) || existsSync(join(postgresBinaries(), 'pg_ctl'))
  const missing = `no PostgreSQL binaries in ${postgresBinaries()} and no DATABASE_URL`
  if (!available && process.env.JOINERY_REQUIRE_POSTGRES) throw new Error(`${what}: ${missing}`)
  if (!available) console.warn(`Skipping ${what}: ${missing}.`)
  return available
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
      shutdown: () => Promise.reject(new Error('cannot shut down a server given by DATABASE_URL')),
      start: () => Promise.reject(new Error('cannot start a server given by DATABASE_URL')),
      pause: () => Promise.reject(new Error('cannot pause a server given by DATABASE_URL')),
      resume: async () => {},
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
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  }
  const shutdown = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
  }
  let paused: number[] = []
  // A test process that dies while the server is paused must not leave it stopped: SIGCONT on the way out.
  const resumeOnExit = () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT')
      } catch {
        // gone already
      }
    }
  }
  const resume = async () => {
    process.off('exit', resumeOnExit)
    // Backends first, then the postmaster, so that it finds its children running again.
    for (const pid of [...paused].reverse()) {
      try {
        process.kill(pid, 'SIGCONT')
      } catch {
        // gone already
      }
    }
    paused = []
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await shutdown()
      await start()
    },
    shutdown,
    start,
    pause: async () => {
      if (paused.length) return
      // The first line of postmaster.pid is the postmaster's pid; its children are the backends and helpers.
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (!Number.isInteger(postmaster) || postmaster <= 0) throw new Error('no postmaster pid')
      // Stop the postmaster first so that it forks no new backend, then every child it has.
      process.once('exit', resumeOnExit)
      process.kill(postmaster, 'SIGSTOP')
      paused = [postmaster]
      try {
        const children = await run('pgrep', ['-P', String(postmaster)]).then(
          (r) => r.stdout.split('\n').filter(Boolean).map(Number),
          () => [],
        )
        for (const pid of children) {
          process.kill(pid, 'SIGSTOP')
          paused.push(pid)
        }
      } catch (error) {
        await resume()
        throw error
      }
    },
    resume,
    stop: async () => {
      await resume()
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
