/// <reference path="./rate-limiter-flexible-files.d.ts" />
// The package's index also loads its cluster limiter, which imports `cluster` and `crypto`: the web entry must not.
// These two files import nothing of Node, and are the very classes the index exports.
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js'
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js'

export { RateLimiterMemory, RateLimiterRes }
