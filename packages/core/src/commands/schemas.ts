import { z } from 'zod'
import { MAX_REQUEST_MESSAGE_LENGTH } from '../domain/join-request.js'
import { decodeCursor } from '../internal/keyset.js'
import {
  isStorableWithin,
  LONE_SURROGATE,
  MAX_GROUP_ID_BYTES,
  MAX_STORABLE_DATE,
  MAX_USER_ID_BYTES,
  MIN_STORABLE_DATE,
  utf8Bytes,
} from '../internal/storable.js'
import { ASK_ZOD, fastField } from '../internal/validate.js'
import type { ListKey } from '../ports/membership-store.js'

export { INT4_MAX, INT4_MIN, MAX_STORABLE_DATE, MIN_STORABLE_DATE } from '../internal/storable.js'

// The edge of the core: every value a command accepts is one every store can hold and the domain means. What a
// store cannot hold (a NUL in PostgreSQL text, a year PostgreSQL's drivers do not write, an integer past int4) is
// refused here as `InvalidInput` naming the field, never left to fail in the store as a `StorageError`.

/**
 * Text every store can hold: no NUL (PostgreSQL's `text` and `jsonb` refuse U+0000) and no unpaired surrogate
 * (not Unicode: UTF-8 cannot carry it, and drivers would silently turn it into U+FFFD).
 */
export function safeText() {
  return z
    .string()
    .refine((v) => !v.includes('\u0000'), { message: 'must not contain the NUL character (U+0000)' })
    .refine((v) => !LONE_SURROGATE.test(v), { message: 'must not contain unpaired surrogates (malformed UTF-16)' })
}

/**
 * Safe text that also fits in `maxBytes` of UTF-8: ids and codes sit in PostgreSQL b-tree indexes, whose entries
 * must stay under 2,704 bytes, so their size is bounded in bytes, not only in characters.
 */
export function safeKey(maxBytes: number) {
  return safeText()
    .min(1)
    .refine((v) => utf8Bytes(v) <= maxBytes, { message: `must be at most ${maxBytes} bytes in UTF-8` })
}

/**
 * A valid date within years 1–9999 UTC. PostgreSQL's `timestamptz` reaches further (4713 BC to 294276 AD), but
 * drivers write years past 9999 or before 1 in forms the server refuses, and no group needs them.
 */
export const storableDate = z
  .date({ error: (issue) => (issue.input instanceof Date ? 'must be a valid date' : undefined) })
  .min(MIN_STORABLE_DATE, { message: 'must not be before the year 1' })
  .max(MAX_STORABLE_DATE, { message: 'must not be after the year 9999' })

/** A finite integer from `min` to `max` (both within int4 unless the column is wider). */
export function boundedInt(min: number, max: number) {
  return z.number().int().min(min).max(max)
}

/** A key of at most `maxBytes`, with its fast path: the same answer as `safeKey` without zod for a valid key. */
function fastKey(maxBytes: number) {
  return fastField(safeKey(maxBytes), (v) =>
    typeof v === 'string' && v.length > 0 && isStorableWithin(v, maxBytes) ? v : ASK_ZOD,
  )
}

/** Optional text of at most `max` characters, as `null` when absent (and, with `emptyIsNull`, when empty). */
function fastOptionalText(max: number, emptyIsNull: boolean) {
  const schema = safeText()
    .max(max)
    .nullish()
    .transform((v) => (emptyIsNull ? v || null : (v ?? null)))
  return fastField(schema, (v) => {
    if (v === undefined || v === null) return null
    // `max` counts UTF-16 units, as zod's `.max` does. No unit takes more than 3 bytes of UTF-8, so the byte bound
    // below never binds: it checks the text alone.
    if (typeof v !== 'string' || v.length > max || !isStorableWithin(v, 3 * max)) return ASK_ZOD
    return emptyIsNull ? v || null : v
  })
}

/** Shapes shared by the command inputs, each with its fast path (see `fastField`). */
export const userId = fastKey(MAX_USER_ID_BYTES)
export const groupId = fastKey(MAX_GROUP_ID_BYTES)
export const joinCode = fastKey(MAX_GROUP_ID_BYTES)
export const reason = fastOptionalText(1000, false)
export const message = fastOptionalText(MAX_REQUEST_MESSAGE_LENGTH, true)
export const memberLimit = boundedInt(1, 1_000_000_000).nullable()
export const pageLimit = fastField(boundedInt(1, 100).default(50), (v) =>
  v === undefined ? 50 : Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100 ? (v as number) : ASK_ZOD,
)
export const futureOrNullDate = storableDate.nullable()
/**
 * The most users one command takes (`userIds` of addMembers, inviteMembers, removeMembers, changeRoles;
 * `initialMembers` of createGroup). Every command holds its group's lock for its whole transaction, and on a
 * one-connection store (PGlite) every other command waits behind it. Measured on PGlite, addMembers costs about
 * 0.7 ms per user (100 users ≈ 75–110 ms, 200 ≈ 140–180 ms, 500 ≈ 430 ms, 1,000 ≈ 670 ms, 10,000 ≈ 7 s): with 200
 * a request waiting behind one command saw p99s from 164 to 258 ms, so 100 keeps the wait well under 250 ms. It is
 * also a whole Bluesky group. Protocols that take bigger calls split them into commands of at most this many.
 */
export const MAX_USERS_PER_COMMAND = 100

export const userIds = z.array(userId).min(1).max(MAX_USERS_PER_COMMAND)

/** A page cursor: given (and not empty), it must be one this service made; it reaches the command as the key it names. */
export const cursor = z
  .string()
  .max(3000)
  .transform((value, ctx): ListKey | undefined => {
    // An empty cursor is no cursor: the first page, as when none is given.
    if (value === '') return undefined
    const key = decodeCursor(value)
    if (key) return key
    ctx.addIssue({ code: 'custom', message: 'is not a cursor from this service' })
    return z.NEVER
  })
  .optional()

export const groupTarget = z.object({ actor: userId, groupId })

/**
 * Set by a host that vouches for the actor as an administrator of the whole service (a Bitrix24 portal
 * administrator): the command then decides access by `ADMINISTRATOR_ACCESS_RULES`. Never inferred. Default false.
 */
export const asAdministrator = fastField(z.boolean().default(false), (v) =>
  v === undefined ? false : typeof v === 'boolean' ? v : ASK_ZOD,
)

/** How a transfer of ownership treats the old owner and a new owner who is not a member (see `TRANSFER_RULES`). */
export const transferOptionFields = {
  /** The old owner's role afterwards. Default `moderator`; Bitrix24 makes them a plain member. */
  previousOwnerRole: z.enum(['moderator', 'member']).default('moderator'),
  /** Let a non-member become the owner (joining as owner), as Bitrix24's `sonet_group.setowner` does. */
  admitNonMember: z.boolean().default(false),
}
export const transferOptions = z
  .object(transferOptionFields)
  .default({ previousOwnerRole: 'moderator', admitNonMember: false })
export type TransferOptions = z.output<typeof transferOptions>
