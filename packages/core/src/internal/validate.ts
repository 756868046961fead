import { err, ok, type Result } from 'neverthrow'
import type { z } from 'zod'
import type { ErrorOf } from '../domain/errors.js'

export type InvalidInput = ErrorOf<'InvalidInput'>

/** Parses a command's input at the boundary; a failure keeps zod's issues. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, InvalidInput> {
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
