// The two files of rate-limiter-flexible the adapter loads directly, typed as the classes its index exports
// (the same declarations as the Bitrix adapter's, so that a program holding both agrees on them).
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible'
  export default RateLimiterMemory
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  import { RateLimiterRes } from 'rate-limiter-flexible'
  export default RateLimiterRes
}
