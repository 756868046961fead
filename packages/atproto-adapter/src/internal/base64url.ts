const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const VALUES = new Int8Array(256).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i
// Both alphabets, as Node's decoder reads them: `-`/`+` are 62, `_`/`/` are 63.
VALUES[45] = VALUES[43] = 62
VALUES[95] = VALUES[47] = 63

/**
 * Decodes base64url (or base64) without `Buffer`, for the web entry: the bytes `Buffer.from(text, 'base64url')` gives
 * for the tokens a client sends. Like Node it stops at the first `=` and skips characters outside the alphabet, so
 * a damaged token part decodes to the same bytes either way (and then fails the same check).
 */
export function decodeBase64Url(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let length = 0
  let bits = 0
  let buffered = 0
  for (let i = 0; i < text.length; i++) {
    // Node reads a UTF-16 unit by its low byte; header values (Latin-1) never have a high one.
    const code = text.charCodeAt(i) & 0xff
    if (code === 61) break
    const value = VALUES[code] ?? -1
    if (value < 0) continue
    buffered = (buffered << 6) | value
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[length++] = (buffered >> bits) & 0xff
    }
  }
  return out.subarray(0, length)
}

const utf8 = new TextDecoder()
const utf8Encoder = new TextEncoder()

/** The text of base64url-encoded UTF-8 (invalid sequences read as U+FFFD, as `Buffer#toString('utf8')` reads them). */
export function decodeBase64UrlText(text: string): string {
  return utf8.decode(decodeBase64Url(text))
}

/** UTF-8 bytes of `text` (a lone surrogate as U+FFFD, as `Buffer.from(text, 'utf8')`). */
export function utf8Bytes(text: string): Uint8Array {
  return utf8Encoder.encode(text)
}
