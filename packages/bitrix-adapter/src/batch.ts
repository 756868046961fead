import { upperKeys } from './internal/params.js'
import { MAX_USER_IDS_PER_CALL } from './limits.js'
import { type BitrixError, bitrixError, isBitrixError, type MethodSuccess, timing } from './wire/envelope.js'
import { type Params, type ParamValue, parsePhpParams } from './wire/php-params.js'

/** The most commands one batch may hold, as Bitrix24. */
export const MAX_BATCH_COMMANDS = 50

/** Runs one method as the batch's caller; never a nested batch. */
export type RunCommand = (method: string, params: Params) => Promise<MethodSuccess | BitrixError>

/** The most user ids all the commands of one batch may name together (as one call: `MAX_USER_IDS_PER_CALL`). */
export const MAX_BATCH_USER_IDS = MAX_USER_IDS_PER_CALL

/**
 * A batch's budget: asked before each command (with its index) runs; an error answers that command instead of
 * running it (and stops the batch with `halt`). The handler charges each command after the first to the caller's
 * rate limit, and every command's user ids to one budget of MAX_BATCH_USER_IDS.
 */
export type BatchBudget = (index: number, params: Params) => BitrixError | null | Promise<BitrixError | null>

/** The user ids a command names in `USER_ID` (one, a list, or none). */
export function userIdsNamed(params: Params): number {
  const ids = params.USER_ID
  return ids === undefined
    ? 0
    : Array.isArray(ids)
      ? ids.length
      : typeof ids === 'object' && ids !== null
        ? Object.keys(ids).length
        : 1
}

const REFERENCE = /\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g

/** Reads `$result[key][field][0]…` from earlier results; `undefined` when the path does not exist. */
function lookup(results: Record<string, unknown>, key: string, path: string): unknown {
  let value: unknown = results[key]
  for (const m of path.matchAll(/\[([^\]]*)\]/g)) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[m[1] as string]
  }
  return value
}

const WHOLE_REFERENCE = /^\$result\[([^\]]+)\]((?:\[[^\]]*\])*)$/

/**
 * Reads a command's query string and replaces `$result[…]` references in its values with earlier results. A value
 * that is one reference to a list or map spreads into bracket entries (`USER_ID[]=…`), as Bitrix24 does.
 */
function commandEntries(query: string, results: Record<string, unknown>): [string, string][] {
  const entries: [string, string][] = []
  for (const [key, value] of new URLSearchParams(query)) {
    const whole = WHOLE_REFERENCE.exec(value)
    const referenced = whole ? lookup(results, whole[1] as string, whole[2] ?? '') : undefined
    if (referenced !== null && typeof referenced === 'object') {
      for (const [k, v] of Object.entries(referenced))
        entries.push([`${key}[${Array.isArray(referenced) ? '' : k}]`, String(v)])
      continue
    }
    entries.push([
      key,
      value.replace(REFERENCE, (ref, k: string, path: string) => {
        const v = lookup(results, k, path)
        return v === undefined || v === null || typeof v === 'object' ? ref : String(v)
      }),
    ])
  }
  return entries
}

/**
 * `halt` as PHP's `(bool)` reads it (`CRestProvider::batch`): `0`, `"0"`, `""`, `false`, `null`, an empty list or a
 * missing key are false; anything else is true, the form string `"false"` included.
 */
export function phpTruthy(value: ParamValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '' || value === '0')
    return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value).length > 0
  return true
}

/** A section of the answer: an object, or `[]` when empty, as PHP encodes an empty array. */
const section = <T>(map: Record<string, T>) => (Object.keys(map).length === 0 ? [] : map)

/**
 * `batch` (settings/how-to-call-rest-api/batch.md; `CRestProvider::batch`): commands `{key: "method?query"}`, run in
 * order as the same user, each able to use earlier results through `$result[key][field]`. The first 50 run; each
 * one past them, and a nested `batch`, is answered in `result_error` on its own, and the batch stays 200.
 * Non-string commands are skipped. With `halt` (PHP-true) the first error stops the batch.
 */
export async function runBatch(
  params: Params,
  run: RunCommand,
  budget: BatchBudget = () => null,
): Promise<MethodSuccess | BitrixError> {
  const cmd = params.CMD
  if (typeof cmd !== 'object' || cmd === null || (Array.isArray(cmd) && cmd.length === 0)) {
    return bitrixError(400, 'ERROR_ARGUMENT', 'Incorrect input data: cmd must be a map of commands')
  }
  // Non-string commands are skipped silently, as the newer REST module does.
  const commands = Object.entries(cmd as Record<string, ParamValue>).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  )
  const halt = phpTruthy(params.HALT)
  const result: Record<string, unknown> = {}
  const resultError: Record<string, { error: string; error_description: string }> = {}
  const resultTotal: Record<string, number> = {}
  const resultNext: Record<string, number> = {}
  const resultTime: Record<string, unknown> = {}

  for (const [index, [key, command]] of commands.entries()) {
    const [rawMethod = '', query = ''] = command.split(/\?(.*)/s, 2)
    const method = rawMethod
      .trim()
      .replace(/\.json$/i, '')
      .toLowerCase()
    const started = Date.now()
    let answer: MethodSuccess | BitrixError
    if (index >= MAX_BATCH_COMMANDS) {
      answer = bitrixError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded')
    } else if (method === 'batch') {
      answer = bitrixError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage')
    } else {
      try {
        const commandParams = parsePhpParams(commandEntries(query, result))
        answer = (await budget(index, upperKeys(commandParams))) ?? (await run(method, commandParams))
      } catch {
        answer = bitrixError(400, 'ERROR_ARGUMENT', `Could not read the parameters of command ${key}`)
      }
    }
    resultTime[key] = timing(started)
    if (isBitrixError(answer)) {
      resultError[key] = { error: answer.error, error_description: answer.error_description }
      if (halt) break
      continue
    }
    result[key] = answer.result
    if (answer.total !== undefined) resultTotal[key] = answer.total
    if (answer.next !== undefined) resultNext[key] = answer.next
  }
  return {
    result: {
      result: section(result),
      result_error: section(resultError),
      result_total: section(resultTotal),
      result_next: section(resultNext),
      result_time: section(resultTime),
    },
  }
}
