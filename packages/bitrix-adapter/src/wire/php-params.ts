/** The most nesting a bracketed key may have, and the most entries a request may carry. */
const MAX_DEPTH = 8
const MAX_ENTRIES = 2000
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue }
export type Params = { [key: string]: ParamValue }

export class ParamsError extends Error {}

/** Splits `FILTER[>ID][0]` into `['FILTER', '>ID', '0']`; `USER_ID[]` gives `['USER_ID', '']`. */
function segmentsOf(key: string): string[] {
  const open = key.indexOf('[')
  if (open <= 0) return [key]
  const segments = [key.slice(0, open)]
  let rest = key.slice(open)
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0) break
    segments.push(rest.slice(1, close))
    rest = rest.slice(close + 1)
  }
  // PHP ignores anything after the last bracket pair; so do we.
  return segments
}

/**
 * Builds nested params from form or query entries in PHP's bracket notation (`USER_ID[]=1&FILTER[>ID]=3`),
 * as Bitrix24 reads them. Maps whose keys are 0, 1, 2… become arrays.
 */
export function parsePhpParams(entries: Iterable<readonly [string, string]>): Params {
  const root: Record<string, unknown> = Object.create(null)
  let count = 0
  for (const [key, value] of entries) {
    if (++count > MAX_ENTRIES) throw new ParamsError(`more than ${MAX_ENTRIES} parameters`)
    const path = segmentsOf(key)
    if (path.length > MAX_DEPTH) throw new ParamsError(`parameter ${path[0]} is nested too deeply`)
    if (path.some((s) => FORBIDDEN.has(s))) throw new ParamsError('forbidden parameter name')
    let node = root
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] as string
      const last = i === path.length - 1
      const slot = segment === '' ? String(Object.keys(node).length) : segment
      if (last) {
        node[slot] = value
        break
      }
      const next = node[slot]
      if (typeof next !== 'object' || next === null) node[slot] = Object.create(null)
      node = node[slot] as Record<string, unknown>
    }
  }
  return listify(root) as Params
}

/** Turns `{0: a, 1: b}` maps into arrays, recursively, and gives every map a normal prototype. */
function listify(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).map(([k, v]) => [k, listify(v)] as const)
  const isList = entries.length > 0 && entries.every(([k], i) => k === String(i))
  return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries)
}
