// The two files of rate-limiter-flexible the adapter loads directly (typed by its index, see rate-limiter-flexible.ts).
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  const RateLimiterMemory: unknown
  export default RateLimiterMemory
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  const RateLimiterRes: unknown
  export default RateLimiterRes
}
