import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64Url } from './base64url.js'

// The web entry reads token parts without Buffer: it must read exactly what Buffer reads, damaged input included.
describe(decodeBase64Url, () => {
  it("decodes every string to the bytes of Buffer.from(s, 'base64url')", () => {
    const encoded = (encoding: 'base64url' | 'base64') => fc.uint8Array().map((b) => Buffer.from(b).toString(encoding))
    const text = fc.oneof(
      encoded('base64url'),
      encoded('base64'),
      fc.string(),
      fc.tuple(encoded('base64url'), fc.string()).map(([a, b]) => `${a}=${b}`),
      fc.tuple(encoded('base64url'), fc.string({ unit: 'binary' })).map(([a, b]) => a + b),
    )
    fc.assert(
      fc.property(text, (s) => {
        expect(Buffer.from(decodeBase64Url(s)).toString('hex')).toBe(Buffer.from(s, 'base64url').toString('hex'))
      }),
      { numRuns: 20_000 },
    )
  })
})
