/** Makes ids and join-link codes. */
export interface IdGenerator {
  /**
   * A new unique group id. May be asynchronous (a database sequence): it is asked before the creating transaction
   * opens, so it may use the same database. It may reject with a `StorageUnavailable` error when that database
   * cannot answer now; the command then ends with it. Any other rejection becomes a `StorageError`.
   */
  newGroupId(): string | Promise<string>
  /** A new unique id for a request. */
  newId(): string
  /** A new join-link code: URL-safe, at least 96 bits from a cryptographically secure source. */
  newCode(): string
  /**
   * What every group id looks like, when the generator can promise it: `'integer'` (decimal digits, as Bitrix24
   * clients need) or `'text'`. Unset: unknown. Read back with `groupIdForm(joinery)`, so an adapter can refuse a core
   * it cannot serve when it is built rather than on its first call.
   */
  readonly groupIdForm?: GroupIdForm
}

/** What a generator's group ids look like: decimal integers, or any text (UUIDs). */
export type GroupIdForm = 'integer' | 'text'

interface WebCrypto {
  getRandomValues<T extends Uint8Array>(array: T): T
  randomUUID(): string
}

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Encodes bytes as unpadded base64url. */
function base64url(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0
    const b1 = bytes[i + 1] ?? 0
    const b2 = bytes[i + 2] ?? 0
    const n = (b0 << 16) | (b1 << 8) | b2
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2
    for (let c = 0; c < chars; c++) out += URL_SAFE[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

/**
 * Ids from `crypto.randomUUID()` and 128-bit base64url codes, from the Web Crypto API that Node ≥ 20,
 * Deno, Bun, browsers and workers all have as `globalThis.crypto`.
 */
export function createCryptoIdGenerator(codeBytes = 16): IdGenerator {
  if (codeBytes < 12) throw new RangeError('join-link codes need at least 12 random bytes (96 bits)')
  const crypto = (globalThis as unknown as { crypto?: WebCrypto }).crypto
  if (!crypto) throw new Error('globalThis.crypto is missing: pass an IdGenerator')
  return {
    newGroupId: () => crypto.randomUUID(),
    newId: () => crypto.randomUUID(),
    newCode: () => base64url(crypto.getRandomValues(new Uint8Array(codeBytes))),
    groupIdForm: 'text',
  }
}

/**
 * Ids counting up from `start` ("1", "2", …) for groups and requests, for protocols whose ids are integers
 * (Bitrix24), and crypto codes.
 * Counts in this process only: a store shared by several processes needs ids from the database.
 */
export function createSequentialIdGenerator(start = 1): IdGenerator {
  let next = start
  const codes = createCryptoIdGenerator()
  return {
    newGroupId: () => String(next++),
    newId: () => String(next++),
    newCode: codes.newCode,
    groupIdForm: 'integer',
  }
}
