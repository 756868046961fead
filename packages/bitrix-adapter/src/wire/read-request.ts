import type { IncomingMessage } from 'node:http'
import { type BitrixError, bitrixError } from './envelope.js'
import { type Params, ParamsError, parsePhpParams } from './php-params.js'

/** How the caller authenticated, as the URL and the request say. */
export type Credentials =
  | { readonly kind: 'webhook'; readonly userId: string; readonly code: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'none' }

export interface RestCall {
  /** Lower-cased, without `.json`. */
  readonly method: string
  readonly credentials: Credentials
  readonly params: Params
}

/** The largest body accepted: Bitrix24 calls are small; a batch of 50 commands fits easily. */
export const MAX_BODY_BYTES = 1024 * 1024

const METHOD = /^[a-z0-9_.]+$/i

/**
 * Reads the route (`/rest/{userId}/{code}/{method}` or `/rest/{method}`, optional `.json`, optional trailing
 * slash) and the parameters (query string, then a JSON, urlencoded or multipart body, PHP bracket notation).
 */
export async function readRestCall(req: IncomingMessage): Promise<RestCall | BitrixError> {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const segments = decodedSegments(url.pathname)
  if (!segments)
    return bitrixError(400, 'ERROR_ARGUMENT', 'Could not read the request path: malformed percent-encoding')
  if (segments[0] !== 'rest' || segments.length < 2 || segments.length > 4) return notFound()
  let route = segments.slice(1)
  let credentials: Credentials = { kind: 'none' }
  if (route.length === 3 && /^\d+$/.test(route[0] ?? '')) {
    credentials = { kind: 'webhook', userId: route[0] as string, code: route[1] as string }
    route = route.slice(2)
  }
  if (route.length !== 1) return notFound()
  const method = (route[0] as string).replace(/\.json$/i, '').toLowerCase()
  if (!METHOD.test(method)) return notFound()

  const body = await readBody(req)
  if (body === null) return bitrixError(413, 'ERROR_ARGUMENT', `Request body is larger than ${MAX_BODY_BYTES} bytes`)
  let params: Params
  try {
    params = { ...parsePhpParams(url.searchParams), ...(await parseBody(req, body)) }
  } catch (e) {
    const reason = e instanceof ParamsError || e instanceof SyntaxError ? e.message : 'unreadable body'
    return bitrixError(400, 'ERROR_ARGUMENT', `Could not read the request parameters: ${reason}`)
  }

  if (credentials.kind === 'none') {
    const header = req.headers.authorization
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : ''
    const token = typeof params.auth === 'string' ? params.auth : bearer
    if (token) credentials = { kind: 'token', token }
  }
  delete params.auth
  return { method, credentials, params }
}

/** The path's segments, percent-decoded; `null` when an escape is malformed (`%zz`, a cut UTF-8 sequence). */
function decodedSegments(pathname: string): string[] | null {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent)
  } catch {
    return null
  }
}

function notFound(): BitrixError {
  return bitrixError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')
}

/** The body, or `null` when it is larger than allowed (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

async function parseBody(req: IncomingMessage, body: Buffer): Promise<Params> {
  if (body.length === 0) return {}
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ParamsError('the JSON body must be an object')
    return stripForbidden(parsed) as Params
  }
  if (type.startsWith('application/x-www-form-urlencoded'))
    return parsePhpParams(new URLSearchParams(body.toString('utf8')))
  if (type.startsWith('multipart/form-data')) {
    // The WHATWG Request parses multipart bodies; uploaded files are not used by these methods and are skipped.
    const form = await new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    }).formData()
    const fields: [string, string][] = []
    form.forEach((value, key) => {
      if (typeof value === 'string') fields.push([key, value])
    })
    return parsePhpParams(fields)
  }
  return {}
}

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
