/// <reference path="./rate-limiter-flexible-files.d.ts" />
import type { RateLimiterMemory as Memory, RateLimiterRes as Res } from 'rate-limiter-flexible'
// The package's index also loads its cluster limiter, which imports `cluster` and `crypto`: the web entry must not.
// These two files import nothing of Node, and are the very classes the index exports.
import MemoryClass from 'rate-limiter-flexible/lib/RateLimiterMemory.js'
import ResClass from 'rate-limiter-flexible/lib/RateLimiterRes.js'

export const RateLimiterMemory = MemoryClass as typeof Memory
export type RateLimiterMemory = Memory
export const RateLimiterRes = ResClass as typeof Res
