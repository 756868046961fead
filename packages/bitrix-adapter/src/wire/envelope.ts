/** Bitrix24's `time` block: the official JS SDK needs it on every success, and feeds `operating` to its limiter. */
export interface Timing {
  readonly start: number
  readonly finish: number
  readonly duration: number
  readonly processing: number
  readonly date_start: string
  readonly date_finish: string
  readonly operating_reset_at: number
  readonly operating: number
}

let isoSecond = Number.NaN
let isoText = ''

/** `2026-12-01T19:38:03+00:00`: whole seconds, so the text of the last second is kept (it is on every answer). */
function isoWithOffset(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== isoSecond) {
    isoText = `${new Date(second * 1000).toISOString().slice(0, 19)}+00:00`
    isoSecond = second
  }
  return isoText
}

export function timing(startMs: number, finishMs: number = Date.now()): Timing {
  const seconds = (finishMs - startMs) / 1000
  return {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration: seconds,
    processing: seconds,
    date_start: isoWithOffset(startMs),
    date_finish: isoWithOffset(finishMs),
    operating_reset_at: Math.floor(startMs / 1000) + 600,
    operating: seconds,
  }
}

/** The `time` block as JSON text, written out directly (it is on every success). */
export function timingJson(startMs: number, finishMs: number = Date.now()): string {
  const seconds = (finishMs - startMs) / 1000
  return `{"start":${startMs / 1000},"finish":${finishMs / 1000},"duration":${seconds},"processing":${seconds},"date_start":"${isoWithOffset(startMs)}","date_finish":"${isoWithOffset(finishMs)}","operating_reset_at":${Math.floor(startMs / 1000) + 600},"operating":${seconds}}`
}

/** A method's answer: its result, and for lists `total` and `next`. */
export interface MethodSuccess {
  readonly result: unknown
  readonly total?: number
  readonly next?: number
}

/** A Bitrix24 error: a never-empty code, its text and the HTTP status. */
export interface BitrixError {
  readonly status: number
  readonly error: string
  readonly error_description: string
  /** What caused a server error, for the `onError` hook; never sent. */
  readonly cause?: unknown
  /** The `Retry-After` of a 503, in seconds; the handler's `retryAfterSeconds` when absent. Never in the body. */
  readonly retryAfterSeconds?: number
}

export function bitrixError(
  status: number,
  error: string,
  description: string,
  extra: { cause?: unknown; retryAfterSeconds?: number } = {},
): BitrixError {
  return { status, error, error_description: description, ...extra }
}

export function isBitrixError(value: MethodSuccess | BitrixError): value is BitrixError {
  return 'error' in value && typeof (value as BitrixError).error === 'string'
}
