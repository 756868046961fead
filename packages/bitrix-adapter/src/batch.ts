import { type BitrixError, bitrixError, isBitrixError, type MethodSuccess, timing } from './wire/envelope.js'
import { type Params, type ParamValue, parsePhpParams } from './wire/php-params.js'

/** The most commands one batch may hold, as Bitrix24. */
export const MAX_BATCH_COMMANDS = 50

/** Runs one method as the batch's caller; never a nested batch. */
export type RunCommand = (method: string, params: Params) => Promise<MethodSuccess | BitrixError>

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

/** Replaces `$result[…]` references in a command's query string with earlier results, URL-encoded. */
function substitute(query: string, results: Record<string, unknown>): string {
  return query.replace(REFERENCE, (whole, key: string, path: string) => {
    const value = lookup(results, key, path)
    if (value === undefined || value === null) return whole
    if (typeof value === 'object') {
      // An array or map spreads into PHP bracket notation after the parameter name, as Bitrix24 does.
      return Object.values(value as Record<string, unknown>)
        .map(String)
        .map(encodeURIComponent)
        .join(',')
    }
    return encodeURIComponent(String(value))
  })
}

/**
 * `batch`: up to 50 commands `{key: "method?query"}`, run in order as the same user, each able to use earlier
 * results through `$result[key][field]`. With `halt=1` the first error stops the batch.
 */
export async function runBatch(params: Params, run: RunCommand): Promise<MethodSuccess | BitrixError> {
  const cmd = params.CMD
  if (typeof cmd !== 'object' || cmd === null || (Array.isArray(cmd) && cmd.length === 0)) {
    return bitrixError(400, 'ERROR_ARGUMENT', 'Incorrect input data: cmd must be a map of commands')
  }
  const commands = Object.entries(cmd as Record<string, ParamValue>)
  if (commands.length > MAX_BATCH_COMMANDS) {
    return bitrixError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', `Max batch length exceeded (${MAX_BATCH_COMMANDS})`)
  }
  const halt = params.HALT === '1' || params.HALT === 1 || params.HALT === true
  const result: Record<string, unknown> = {}
  const resultError: Record<string, { error: string; error_description: string }> = {}
  const resultTotal: Record<string, number> = {}
  const resultNext: Record<string, number> = {}
  const resultTime: Record<string, unknown> = {}

  for (const [key, command] of commands) {
    if (typeof command !== 'string') return bitrixError(400, 'ERROR_ARGUMENT', `Incorrect input data: command ${key}`)
    const [rawMethod = '', query = ''] = command.split(/\?(.*)/s, 2)
    const method = rawMethod
      .trim()
      .replace(/\.json$/i, '')
      .toLowerCase()
    if (method === 'batch')
      return bitrixError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage')
    const started = Date.now()
    let answer: MethodSuccess | BitrixError
    try {
      answer = await run(method, parsePhpParams(new URLSearchParams(substitute(query, result))))
    } catch {
      answer = bitrixError(400, 'ERROR_ARGUMENT', `Could not read the parameters of command ${key}`)
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
      result,
      result_error: resultError,
      result_total: resultTotal,
      result_next: resultNext,
      result_time: resultTime,
    },
  }
}
