/**
 * Construction-time checks of the handlers' options, for JavaScript callers and `as any` casts the types did not
 * stop: a missing or wrong option fails at once with a message naming it, not on the first call.
 */
export function fail(owner: string, message: string): never {
  throw new TypeError(`${owner}: ${message}`)
}

/** An object with these methods. */
export function requireObject(
  owner: string,
  name: string,
  value: unknown,
  methods: readonly string[],
  example: string,
): void {
  if (typeof value !== 'object' || value === null) fail(owner, `${name} is required: ${example}`)
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function')
      fail(owner, `${name}.${method} must be a function (${name} should be ${example})`)
  }
}

/** A function, or left out. */
export function optionalFunction(owner: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') fail(owner, `${name} must be a function`)
}

/** A finite number above `min` (or at least `min` when `inclusive`), or left out. */
export function optionalNumber(
  owner: string,
  name: string,
  value: unknown,
  { min, inclusive, integer = false }: { min: number; inclusive: boolean; integer?: boolean },
): void {
  if (value === undefined) return
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (inclusive ? value >= min : value > min) &&
    (!integer || Number.isInteger(value))
  if (!ok)
    throw new RangeError(
      `${owner}: ${name} must be a ${integer ? 'whole ' : ''}number ${inclusive ? 'from' : 'above'} ${min} (got ${String(value)})`,
    )
}
