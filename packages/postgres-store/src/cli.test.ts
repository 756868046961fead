import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from './migrations.js'

const run = promisify(execFile)
const cli = new URL('./cli.ts', import.meta.url).pathname
const migrateCli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--conditions=dev-source', '--import', 'tsx', cli, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
  })

describe('joinery-migrate', () => {
  it('applies the migrations to a PGlite folder once, then says it is up to date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joinery-migrate-'))
    try {
      expect((await migrateCli(['--data-dir', dir, '--schema', 'app'])).stdout).toContain(
        `applied migrations ${MIGRATIONS.map((m) => m.version).join(', ')} to schema app`,
      )
      expect((await migrateCli(['--data-dir', dir, '--schema', 'app'])).stdout).toMatch(/schema app is up to date/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('explains what it needs when given nothing', async () => {
    await expect(migrateCli([])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/set DATABASE_URL/) })
  })
})
