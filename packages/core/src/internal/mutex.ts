/** Runs async sections one at a time, in call order. */
export function createMutex(): <T>(section: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(section: () => Promise<T>) => {
    const run = tail.then(section, section)
    // The next section waits for this one however it ends.
    tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }
}
