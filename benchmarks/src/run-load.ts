import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Figures } from './stats.js'

const run = promisify(execFile)

export interface LoadResult extends Figures {
  readonly statuses: Record<string, number>
}

export interface LoadOptions {
  readonly url: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly requests: readonly {
    readonly headers: Record<string, string>
    readonly body?: string
    readonly path?: string
  }[]
  readonly connections?: number
  readonly durationMs?: number
  readonly warmupMs?: number
}

/** Runs the load generator in a second process against `url` and returns what it measured. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'joinery-load-'))
  const file = join(dir, 'spec.json')
  writeFileSync(file, JSON.stringify({ connections: 32, durationMs: 5000, warmupMs: 1000, ...options }))
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', new URL('./load-generator.ts', import.meta.url).pathname, file],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    return JSON.parse(stdout) as LoadResult
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
