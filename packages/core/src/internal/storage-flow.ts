import { err, ok, type Result, ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'

/** Carries a storage error out of a flow; never leaves `storageFlow`. */
class Stop {
  constructor(readonly error: StorageFailure) {}
}

/** Gives the value of a store call, or stops the flow with its storage error. */
export type Step = <V>(call: ResultAsync<V, StorageFailure>) => Promise<V>

function valueOrStop<V>(r: Result<V, StorageFailure>): V {
  if (r.isErr()) throw new Stop(r.error)
  return r.value
}

// `ResultAsync.then` hands back the native promise under the call: awaiting it costs one reaction, where awaiting
// the ResultAsync itself (a thenable) or an async wrapper costs three.
const step: Step = <V>(call: ResultAsync<V, StorageFailure>) => call.then(valueOrStop) as Promise<V>

function succeeded<T>(value: T): Result<T, StorageFailure> {
  return ok(value)
}

function stopped(e: unknown): Result<never, StorageFailure> {
  if (e instanceof Stop) return err(e.error)
  throw e
}

/**
 * Runs store reads and writes as plain async code on the hot paths: `step(call)` gives a call's value, or ends
 * the flow with its `StorageError`. It does what `safeTry` does where every failure is a storage error, at a
 * fraction of the cost (neverthrow's `yield*` on a ResultAsync goes through a polyfilled async iterator).
 * Anything else thrown stays a rejection, which the store's transaction turns into a storage error.
 */
export function storageFlow<T>(body: (step: Step) => Promise<T>): ResultAsync<T, StorageFailure> {
  return new ResultAsync(body(step).then(succeeded, stopped))
}

function same<R>(result: R): R {
  return result
}

/** The native promise of a ResultAsync's result: awaiting it costs one reaction, awaiting the thenable three. */
export function settled<T, E>(call: ResultAsync<T, E>): Promise<Result<T, E>> {
  return call.then(same) as Promise<Result<T, E>>
}
