/**
 * Construction-time checks of a factory's options, for JavaScript callers and `as any` casts that the types did not
 * stop: a missing port fails at once with a message naming it, not with a TypeError on the first command.
 */
export function requireObject(
  owner: string,
  name: string,
  value: unknown,
  methods: readonly string[],
  example = '',
): void {
  const shape = methods.length > 0 ? ` with ${methods.map((m) => `${m}()`).join(', ')}` : ''
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`${owner}: ${name} must be an object${shape}${example ? `, such as ${example}` : ''}`)
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function')
      throw new TypeError(`${owner}: ${name}.${method} must be a function`)
  }
}

/** Like {@link requireObject} for an option that may be left out. */
export function optionalObject(owner: string, name: string, value: unknown, methods: readonly string[]): void {
  if (value !== undefined) requireObject(owner, name, value, methods)
}

/** A whole number in [min, max], or (when `nullable`) null; undefined (left out) always passes. */
export function optionalInteger(
  owner: string,
  name: string,
  value: unknown,
  { min, max = Number.MAX_SAFE_INTEGER, nullable = false }: { min: number; max?: number; nullable?: boolean },
): void {
  if (value === undefined || (nullable && value === null)) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `${owner}: ${name} must be a whole number from ${min} to ${max}${nullable ? ', or null' : ''} (got ${String(value)})`,
    )
}

/** A function, or left out. */
export function optionalFunction(owner: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${owner}: ${name} must be a function`)
}
