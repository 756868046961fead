import { err, ok, ResultAsync } from 'neverthrow'
import type { StorageFailure } from '../domain/errors.js'

/** Carries a storage error out of a flow; never leaves `storageFlow`. */
class Stop {
  constructor(readonly error: StorageFailure) {}
}

/** Gives the value of a store call, or stops the flow with its storage error. */
export type Step = <V>(call: ResultAsync<V, StorageFailure>) => Promise<V>

const step: Step = async (call) => {
  const r = await call
  if (r.isErr()) throw new Stop(r.error)
  return r.value
}

/**
 * Runs store reads and writes as plain async code on the hot paths: `step(call)` gives a call's value, or ends
 * the flow with its `StorageError`. It does what `safeTry` does where every failure is a storage error, at a
 * fraction of the cost (neverthrow's `yield*` on a ResultAsync goes through a polyfilled async iterator).
 * Anything else thrown stays a rejection, which the store's transaction turns into a storage error.
 */
export function storageFlow<T>(body: (step: Step) => Promise<T>): ResultAsync<T, StorageFailure> {
  return new ResultAsync(
    body(step).then(
      (value) => ok(value),
      (e: unknown) => {
        if (e instanceof Stop) return err(e.error)
        throw e
      },
    ),
  )
}
