const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/**
 * Decodes base58btc (the multibase `z` form), or `null` for a character outside the alphabet. Each leading `1` is a
 * zero byte, as in every base58 decoder. Only public keys go through here, and once per key (they are cached), so a
 * BigInt is fast enough and keeps this short.
 */
export function decodeBase58btc(text: string): Buffer | null {
  let zeros = 0
  while (text[zeros] === '1') zeros++
  let n = 0n
  for (let i = zeros; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text.charAt(i))
    if (digit < 0) return null
    n = n * 58n + BigInt(digit)
  }
  const digits = n === 0n ? '' : n.toString(16)
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex')])
}
