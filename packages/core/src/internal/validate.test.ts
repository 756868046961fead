import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { requestJoinByCodeInput, requestJoinInput } from '../commands/join.js'
import * as s from '../commands/schemas.js'
import { MAX_GROUP_ID_BYTES, MAX_USER_ID_BYTES, utf8Bytes } from './storable.js'
import { ASK_ZOD, fastPathOf, validate } from './validate.js'

// The fast path must answer exactly what zod answers, or step aside (`ASK_ZOD`): a differential test over the
// inputs that matter to each field (every UTF-16 unit, lone surrogates, NUL, lengths around each bound, non-strings).

/** Any UTF-16 unit, surrogates and NUL included, weighted towards the interesting ones. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD83D', '\uDE00', '\uD83D\uDE00', '\u00e9', '\u4e2d') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
)
const text = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  // Around each bound: 256 and 2,048 bytes of ids, 1,000 and 2,000 characters of texts, in 1- to 4-byte characters.
  fc
    .tuple(
      fc.constantFrom('a', '\u00e9', '\u4e2d', '\uD83D\uDE00'),
      fc.constantFrom(256, 1000, 2000, 2048),
      fc.integer({ min: -2, max: 2 }),
      fc.oneof(fc.constant(''), unit),
    )
    .map(([c, bound, delta, tail]) => c.repeat(Math.max(0, Math.floor(bound / utf8Bytes(c)) + delta)) + tail),
)
const anyValue = fc.oneof({ weight: 4, arbitrary: text }, fc.anything())

/** The fast path of a one-field object, to hold each field's check against its schema. */
function agreesWithZod(schema: z.ZodType, input: unknown): boolean {
  const fast = fastPathOf(schema)
  if (fast === null) throw new Error('no fast path')
  const answer = fast(input)
  if (answer === ASK_ZOD) return true
  const parsed = schema.safeParse(input)
  expect(parsed.success).toBe(true)
  expect(answer).toStrictEqual(parsed.data)
  return true
}

const FIELDS = {
  userId: s.userId,
  groupId: s.groupId,
  joinCode: s.joinCode,
  reason: s.reason,
  message: s.message,
  pageLimit: s.pageLimit,
  asAdministrator: s.asAdministrator,
}

describe(fastPathOf, () => {
  for (const [name, field] of Object.entries(FIELDS)) {
    it(`answers what zod answers for ${name}, or asks zod`, () => {
      const schema = z.object({ value: field })
      fc.assert(
        fc.property(fc.oneof(anyValue, fc.integer({ min: -5, max: 200 }), fc.boolean()), (value) =>
          agreesWithZod(schema, { value }),
        ),
        { numRuns: 3000 },
      )
      fc.assert(fc.property(fc.anything(), (input) => agreesWithZod(schema, input)))
    })
  }

  it('answers what zod answers for whole command inputs, unknown keys dropped', () => {
    const input = fc.record(
      { actor: anyValue, code: anyValue, groupId: anyValue, message: anyValue, extra: fc.anything() },
      { requiredKeys: [] },
    )
    for (const schema of [requestJoinByCodeInput, requestJoinInput, s.groupTarget]) {
      fc.assert(
        fc.property(input, (i) => agreesWithZod(schema, i)),
        { numRuns: 3000 },
      )
    }
  })

  it('takes the fast path for the common shapes, up to each bound and no further', () => {
    const fast = fastPathOf(requestJoinByCodeInput)
    expect(fast?.({ actor: 'did:plc:alice', code: 'abc', extra: 1 })).toStrictEqual({
      actor: 'did:plc:alice',
      code: 'abc',
      message: null,
    })
    expect(fast?.({ actor: 'é'.repeat(MAX_USER_ID_BYTES / 2), code: '😀'.repeat(MAX_GROUP_ID_BYTES / 4) })).not.toBe(
      ASK_ZOD,
    )
    expect(fast?.({ actor: `${'é'.repeat(MAX_USER_ID_BYTES / 2)}a`, code: 'abc' })).toBe(ASK_ZOD)
    expect(fast?.({ actor: 'a', code: `${'😀'.repeat(MAX_GROUP_ID_BYTES / 4)}a` })).toBe(ASK_ZOD)
    expect(fast?.({ actor: 'a\uD83D', code: 'abc' })).toBe(ASK_ZOD)
    expect(fast?.({ actor: 'a', code: 'abc', message: '' })).toStrictEqual({ actor: 'a', code: 'abc', message: null })
  })

  it('has no fast path for schemas it cannot vouch for', () => {
    expect(fastPathOf(z.object({ actor: s.userId, other: z.string() }))).toBeNull()
    expect(fastPathOf(z.strictObject({ actor: s.userId }))).toBeNull()
    expect(fastPathOf(z.object({ actor: s.userId }).refine(() => false))).toBeNull()
    expect(fastPathOf(s.userId)).toBeNull()
  })
})

describe(validate, () => {
  it('words a refusal as zod does, whichever path the input took', () => {
    const refused = validate(requestJoinByCodeInput, { actor: 'a\u0000', code: '' })._unsafeUnwrapErr()
    expect(refused.issues.map((i) => [i.path, i.message])).toEqual([
      [['actor'], 'must not contain the NUL character (U+0000)'],
      [['code'], 'Too small: expected string to have >=1 characters'],
    ])
  })
})
