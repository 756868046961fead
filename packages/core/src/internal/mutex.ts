/**
 * Lets one section run at a time, in the order they asked. `acquire()` answers `null` when the lock was free and
 * is now held (no promise, no microtask: the common case when nothing contends), or a promise that resolves once
 * it is held. Every holder calls `release()` exactly once; the lock then passes straight to the next waiter.
 */
export interface Mutex {
  acquire(): Promise<void> | null
  release(): void
}

export function createMutex(): Mutex {
  let held = false
  const waiting: (() => void)[] = []
  return {
    acquire() {
      if (!held) {
        held = true
        return null
      }
      return new Promise<void>((resolve) => waiting.push(resolve))
    },
    release() {
      // Handed over, never freed in between: a caller arriving now queues behind the waiter, in call order.
      const next = waiting.shift()
      if (next) next()
      else held = false
    },
  }
}
