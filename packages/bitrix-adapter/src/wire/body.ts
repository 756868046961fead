import { type BitrixError, bitrixError } from './envelope.js'
import { type Params, ParamsError, parsePhpParams } from './php-params.js'
import { type RestCall, type RestRoute, withCredentials } from './route.js'

const decoder = new TextDecoder()
const RISKY_NAMES = /__proto__|constructor|prototype/

/** Parameters of a query string (the part after `?`), PHP bracket notation. */
export function queryParams(search: string): Params {
  return search === '' ? {} : parsePhpParams(new URLSearchParams(search))
}

/**
 * Parameters of a raw body by its content type: JSON, urlencoded or multipart; other types carry none. Only a
 * multipart body is read asynchronously.
 */
export function bodyParams(contentType: string, body: Uint8Array): Params | Promise<Params> {
  if (body.length === 0) return {}
  const type = contentType.toLowerCase()
  if (type.startsWith('application/json')) return jsonParams(decoder.decode(body))
  if (type.startsWith('application/x-www-form-urlencoded'))
    return parsePhpParams(new URLSearchParams(decoder.decode(body)))
  if (type.startsWith('multipart/form-data')) {
    return multipartParams(type, body)
  }
  return {}
}

async function multipartParams(type: string, body: Uint8Array): Promise<Params> {
  // The WHATWG Request parses multipart bodies; uploaded files are not used by these methods and are skipped.
  const form = await new Request('http://localhost/', {
    method: 'POST',
    headers: { 'content-type': type },
    body: body as Uint8Array<ArrayBuffer>,
  }).formData()
  const fields: [string, string][] = []
  form.forEach((value, key) => {
    if (typeof value === 'string') fields.push([key, value])
  })
  return parsePhpParams(fields)
}

/** A JSON body's parameters: an object, with keys that could reach object prototypes dropped. */
export function jsonParams(text: string): Params {
  const parsed: unknown = JSON.parse(text)
  return checkedObject(parsed, RISKY_NAMES.test(text))
}

/**
 * Parameters a framework parsed already (`req.body` after `express.json()` or `express.urlencoded()`), read as the
 * adapter reads its own: a JSON object as it is; form fields (flat `USER_ID[]` keys or `qs`-style nesting) back
 * through PHP bracket notation, so that lists, depth and entry limits are the same as for a body read here.
 */
export function parsedBodyParams(contentType: string, body: unknown): Params {
  if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    if (typeof body !== 'object' || body === null) return {}
    const entries: [string, string][] = []
    flatten(body as Record<string, unknown>, '', entries, 0)
    return parsePhpParams(entries)
  }
  return checkedObject(body, true)
}

function checkedObject(parsed: unknown, strip: boolean): Params {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ParamsError('the JSON body must be an object')
  return (strip ? stripForbidden(parsed) : parsed) as Params
}

function flatten(value: Record<string, unknown>, prefix: string, out: [string, string][], depth: number): void {
  if (depth > 8) throw new ParamsError('a parameter is nested too deeply')
  for (const key of Object.keys(value)) {
    const name = prefix === '' ? key : `${prefix}[${key}]`
    const item = value[key]
    if (Array.isArray(item) && name.endsWith('[]')) {
      // A flat parser (`extended: false`) keeps `USER_ID[]` as the name and collects its values: append each.
      for (const one of item) out.push([name, scalar(one)])
    } else if (typeof item === 'object' && item !== null) {
      flatten(item as Record<string, unknown>, name, out, depth + 1)
    } else {
      out.push([name, scalar(item)])
    }
  }
}

const scalar = (value: unknown) => (value === undefined || value === null ? '' : String(value))

/** Drops keys that could reach object prototypes from parsed JSON. */
function stripForbidden(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripForbidden)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype')
      .map(([k, v]) => [k, stripForbidden(v)]),
  )
}

/**
 * The call of a route and its parameters: the query string's, with the body's over them. A 400 names what could not
 * be read. Synchronous unless the body is (multipart).
 */
export function assembleCall(
  route: RestRoute,
  search: string,
  readBody: () => Params | Promise<Params>,
  authorization: string | null | undefined,
): RestCall | BitrixError | Promise<RestCall | BitrixError> {
  const complete = (fromBody: Params) =>
    withCredentials(route, search === '' ? fromBody : { ...queryParams(search), ...fromBody }, authorization)
  try {
    const fromBody = readBody()
    return fromBody instanceof Promise ? fromBody.then(complete).catch(unreadable) : complete(fromBody)
  } catch (e) {
    return unreadable(e)
  }
}

function unreadable(e: unknown): BitrixError {
  const reason = e instanceof ParamsError || e instanceof SyntaxError ? e.message : 'unreadable body'
  return bitrixError(400, 'ERROR_ARGUMENT', `Could not read the request parameters: ${reason}`)
}
