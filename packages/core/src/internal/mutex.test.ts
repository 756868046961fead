import { describe, expect, it } from 'vitest'
import { createMutex } from './mutex.js'

describe(createMutex, () => {
  it('is taken at once, without a promise, when free', () => {
    const mutex = createMutex()
    expect(mutex.acquire()).toBeNull()
    mutex.release()
    expect(mutex.acquire()).toBeNull()
  })

  it('passes the lock straight to the next waiter: a caller arriving at the release queues behind it', async () => {
    const mutex = createMutex()
    expect(mutex.acquire()).toBeNull()
    const second = mutex.acquire()
    expect(second).not.toBeNull()
    mutex.release()
    const third = mutex.acquire()
    expect(third).not.toBeNull()
    await second
    mutex.release()
    await third
    mutex.release()
    expect(mutex.acquire()).toBeNull()
  })

  it('hands the lock to waiters one at a time, in the order they asked, and to a late caller only after them', async () => {
    const mutex = createMutex()
    const order: string[] = []
    let running = 0
    const section = async (name: string) => {
      const queued = mutex.acquire()
      if (queued) await queued
      running++
      expect(running).toBe(1)
      order.push(name)
      await new Promise((resolve) => setTimeout(resolve, 1))
      running--
      mutex.release()
    }
    const first = [section('a'), section('b'), section('c')]
    // Asks after the others, while `a` holds the lock: served after `b` and `c`, even at the moment of a hand-over.
    await Promise.resolve()
    const late = section('d')
    await Promise.all([...first, late])
    expect(order).toEqual(['a', 'b', 'c', 'd'])
    expect(mutex.acquire()).toBeNull()
  })
})
