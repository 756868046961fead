import type { CoreError, Joinery } from '@joinery/core'
import type { Result } from 'neverthrow'
import { toBitrixError } from '../bitrix-errors.js'
import type { EventsContext } from '../events/methods.js'
import type { BitrixSubjects } from '../subjects.js'
import { type BitrixError, bitrixError, type MethodSuccess } from '../wire/envelope.js'
import type { Params } from '../wire/php-params.js'
import type { Credentials } from '../wire/route.js'

export interface MethodCall {
  readonly joinery: Joinery
  /** The authenticated Bitrix24 user. */
  readonly user: string
  /** Whether the user is one of the portal's administrators (`BitrixAdapterOptions.administrators`). */
  readonly administrator: boolean
  /** Parameters by their names as sent: a portal reads them case-sensitively (`GROUP_ID`, `start`). */
  readonly params: Params
  /** Every method this adapter answers, for `methods` and `scope`. */
  readonly catalogue: Readonly<Record<string, MethodEntry>>
  /** The portal's workgroup subjects. */
  readonly subjects: BitrixSubjects
  /** How the caller authenticated: the event API answers applications (OAuth tokens) only. */
  readonly credentials?: Credentials
  /** The event API's bindings, queue and applications (`BitrixAdapterOptions.events`); absent when not configured. */
  readonly events?: EventsContext
}

export type MethodAnswer = MethodSuccess | BitrixError
export type Method = (call: MethodCall) => Promise<MethodAnswer>

/**
 * One answered method: its handler, the scope a portal lists it under, and whether it is an extension (not a
 * Bitrix24 method: a portal answers it `ERROR_METHOD_NOT_FOUND`).
 */
export interface MethodEntry {
  readonly run: Method
  readonly scope: 'sonet_group' | 'socialnetwork' | 'user' | 'basic'
  readonly extension: boolean
}

/** Entries of one scope. */
export function entries(
  scope: MethodEntry['scope'],
  methods: Record<string, Method>,
  extension = false,
): Record<string, MethodEntry> {
  return Object.fromEntries(Object.entries(methods).map(([name, run]) => [name, { run, scope, extension }]))
}

/** Bitrix24 lists pages of 50. */
export const PAGE_SIZE = 50

export const argumentError = (description: string) => bitrixError(400, 'ERROR_ARGUMENT', description)

/** Answers with the mapped core error, or with what `onOk` builds from the success. */
export function answer<T, E extends CoreError>(
  result: PromiseLike<Result<T, E>> | Result<T, E>,
  onOk: (value: T) => MethodAnswer | Promise<MethodAnswer>,
  accessDenied?: string,
): Promise<MethodAnswer> {
  const settle = (r: Result<T, E>) => (r.isOk() ? onOk(r.value) : toBitrixError(r.error, accessDenied))
  // A core command's ResultAsync is settled through its own `then`: one step, where `await` would add another.
  return 'then' in result ? Promise.resolve(result.then(settle)) : Promise.resolve().then(() => settle(result))
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
