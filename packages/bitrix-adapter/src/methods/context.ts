import type { CoreError, Joinery } from '@joinery/core'
import type { ResultAsync } from 'neverthrow'
import { toBitrixError } from '../bitrix-errors.js'
import { type BitrixError, bitrixError, type MethodSuccess } from '../wire/envelope.js'
import type { Params } from '../wire/php-params.js'

export interface MethodCall {
  readonly joinery: Joinery
  /** The authenticated Bitrix24 user. */
  readonly user: string
  /** Parameters with upper-cased top-level names. */
  readonly params: Params
}

export type MethodAnswer = MethodSuccess | BitrixError
export type Method = (call: MethodCall) => Promise<MethodAnswer>

/** Bitrix24 lists pages of 50. */
export const PAGE_SIZE = 50

export const argumentError = (description: string) => bitrixError(400, 'ERROR_ARGUMENT', description)

/** Answers with the mapped core error, or with what `onOk` builds from the success. */
export async function answer<T>(
  result: ResultAsync<T, CoreError>,
  onOk: (value: T) => MethodAnswer | Promise<MethodAnswer>,
  accessDenied?: string,
): Promise<MethodAnswer> {
  const r = await result
  return r.isOk() ? onOk(r.value) : toBitrixError(r.error, accessDenied)
}

/**
 * The `total`/`next` fields of a list answer. `start` null (a negative `start`): the first page without counting,
 * answered as Bitrix24 does, with `total` 0 and no `next` (settings/performance/huge-data.md).
 */
export function listing(result: unknown[], start: number | null, total: number): MethodSuccess {
  if (start === null) return { result, total: 0 }
  const next = start + result.length
  return next < total ? { result, total, next } : { result, total }
}
