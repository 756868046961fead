import { type BitrixError, bitrixError } from './envelope.js'
import type { Params } from './php-params.js'

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

/** Where a call goes, read from its path: the method and the webhook's credentials, if the path has them. */
export interface RestRoute {
  readonly method: string
  readonly credentials: Credentials
}

/** The largest body accepted: Bitrix24 calls are small; a batch of 50 commands fits easily. */
export const MAX_BODY_BYTES = 1024 * 1024

const METHOD = /^[a-z0-9_.]+$/i
const DIGITS = /^\d+$/
const JSON_SUFFIX = /\.json$/i
const NONE: Credentials = Object.freeze({ kind: 'none' })

/**
 * Reads the route from a URL path (`/rest/{userId}/{code}/{method}` or `/rest/{method}`, optional `.json`, optional
 * trailing slash), after `basePath` when the handler is mounted under one. A query string is ignored.
 */
export function readRoute(path: string, basePath = ''): RestRoute | BitrixError {
  const query = path.indexOf('?')
  let pathname = query < 0 ? path : path.slice(0, query)
  if (basePath) {
    if (!pathname.startsWith(basePath)) return notFound()
    pathname = pathname.slice(basePath.length)
    if (pathname !== '' && !pathname.startsWith('/')) return notFound()
  }
  const segments = decodedSegments(pathname)
  if (!segments)
    return bitrixError(400, 'ERROR_ARGUMENT', 'Could not read the request path: malformed percent-encoding')
  if (segments === TOO_MANY || segments[0] !== 'rest') return notFound()
  let credentials = NONE
  let name: string
  if (segments.length === 4 && DIGITS.test(segments[1] as string)) {
    credentials = { kind: 'webhook', userId: segments[1] as string, code: segments[2] as string }
    name = segments[3] as string
  } else if (segments.length === 2) {
    name = segments[1] as string
  } else {
    return notFound()
  }
  const method = (JSON_SUFFIX.test(name) ? name.slice(0, -5) : name).toLowerCase()
  if (!METHOD.test(method)) return notFound()
  return { method, credentials }
}

/**
 * The call's credentials: the webhook's from the path; otherwise an OAuth token from `auth` (query or body) or an
 * `Authorization: Bearer` header. `auth` is taken out of the parameters.
 */
export function withCredentials(route: RestRoute, params: Params, authorization: string | null | undefined): RestCall {
  let credentials = route.credentials
  if (credentials.kind === 'none') {
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : ''
    const token = typeof params.auth === 'string' ? params.auth : bearer
    if (token) credentials = { kind: 'token', token }
  }
  if ('auth' in params) delete params.auth
  return { method: route.method, credentials, params }
}

/** More segments than any route has: the path is no call. */
const TOO_MANY: string[] = []

/**
 * The path's non-empty segments, percent-decoded (at most 4; more gives `TOO_MANY`); `null` when an escape is
 * malformed (`%zz`, a cut UTF-8 sequence).
 */
function decodedSegments(pathname: string): string[] | null {
  const segments: string[] = []
  let start = 0
  const end = pathname.length
  while (start <= end) {
    let slash = pathname.indexOf('/', start)
    if (slash < 0) slash = end
    if (slash > start) {
      if (segments.length === 4) return TOO_MANY
      const raw = pathname.slice(start, slash)
      if (raw.includes('%')) {
        try {
          segments.push(decodeURIComponent(raw))
        } catch {
          return null
        }
      } else {
        segments.push(raw)
      }
    }
    start = slash + 1
  }
  return segments
}

function notFound(): BitrixError {
  return bitrixError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')
}
