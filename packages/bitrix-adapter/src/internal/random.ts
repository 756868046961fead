/** `bytes` random bytes from the Web Crypto API (`globalThis.crypto`, on Node ≥ 20 and every web runtime), as hex. */
export function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes))
  let hex = ''
  for (const value of values) hex += value.toString(16).padStart(2, '0')
  return hex
}
