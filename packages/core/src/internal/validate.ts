import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import type { ErrorOf } from '../domain/errors.js'

export type InvalidInput = ErrorOf<'InvalidInput'>

/** What a fast check answers when it cannot vouch for a value: zod then decides, and words the error. */
export const ASK_ZOD: unique symbol = Symbol('ask zod')

/**
 * A hand-written check of a field's common inputs: the value the schema would output, or `ASK_ZOD`. It MUST never
 * answer a value for an input the schema refuses, nor a different value than the schema's (a differential property
 * test holds every registered check to that); it may answer `ASK_ZOD` for anything.
 */
export type FastCheck<S extends z.ZodType> = (value: unknown) => z.output<S> | typeof ASK_ZOD

type AnyFastCheck = (value: unknown) => unknown

const fastChecks = new WeakMap<z.ZodType, AnyFastCheck>()

/** Registers `check` as the fast path of `schema` (see `FastCheck`); answers `schema`. */
export function fastField<S extends z.ZodType>(schema: S, check: FastCheck<S>): S {
  fastChecks.set(schema, check)
  return schema
}

const compiled = new WeakMap<z.ZodType, AnyFastCheck | null>()

/**
 * The fast path of a command's input schema, built once per schema: for a plain `z.object` (unknown keys
 * stripped, no refinement of its own) whose every field has a registered fast check, a function that builds the
 * object zod would output, or answers `ASK_ZOD`; `null` for any other schema.
 */
export function fastPathOf(schema: z.ZodType): AnyFastCheck | null {
  let fast = compiled.get(schema)
  if (fast === undefined) {
    fast = compileFastPath(schema)
    compiled.set(schema, fast)
  }
  return fast
}

function compileFastPath(schema: z.ZodType): AnyFastCheck | null {
  if (!(schema instanceof z.ZodObject)) return null
  const def = schema._zod.def
  if (def.catchall !== undefined || (def.checks?.length ?? 0) > 0) return null
  const keys: string[] = []
  const checks: AnyFastCheck[] = []
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const check = fastChecks.get(field)
    if (!check) return null
    keys.push(key)
    checks.push(check)
  }
  return (input) => {
    // What z.object takes: any object but an array; it reads each key of its shape and drops the rest.
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return ASK_ZOD
    const output: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const value = (checks[i] as AnyFastCheck)((input as Record<string, unknown>)[key])
      if (value === ASK_ZOD) return ASK_ZOD
      output[key] = value
    }
    return output
  }
}

/**
 * Parses a command's input at the boundary; a failure keeps zod's issues. The common shapes take the schema's
 * fast path (`fastField`, built once per schema), which answers what zod would; zod parses everything else.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, InvalidInput> {
  const fast = fastPathOf(schema)
  if (fast !== null) {
    const value = fast(input)
    if (value !== ASK_ZOD) return ok(value as z.output<S>)
  }
  const parsed = schema.safeParse(input)
  if (parsed.success) return ok(parsed.data)
  return err({
    code: 'InvalidInput',
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: issue.message,
      code: issue.code,
    })),
  })
}
