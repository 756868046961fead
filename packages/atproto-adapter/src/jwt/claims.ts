import { err, ok, type Result } from 'neverthrow'
import { decodeBase64UrlText } from '../internal/base64url.js'
import type { ServiceJwtError } from './service-jwt-error.js'

/** The header fields the checks read; the rest is kept as sent. */
export interface ServiceJwtHeader {
  readonly alg: string
  readonly typ?: unknown
  readonly [field: string]: unknown
}

/** The claims of an atproto service JWT, with the types `@atproto/xrpc-server` requires of them. */
export interface ServiceJwtPayload {
  readonly iss: string
  readonly aud: string
  readonly exp: number
  readonly lxm?: string
  readonly nonce?: string
  readonly jti?: unknown
  readonly [claim: string]: unknown
}

const badJwt = () => err<never, ServiceJwtError>({ code: 'BadJwt', message: 'poorly formatted jwt' })

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(decodeBase64UrlText(part))
  } catch {
    // xrpc-server lets the SyntaxError escape (an answer of 500); a malformed token is the caller's fault: 401.
    return undefined
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

export function parseHeader(part: string): Result<ServiceJwtHeader, ServiceJwtError> {
  const header = decodeJson(part)
  if (!isObject(header) || typeof header.alg !== 'string') return badJwt()
  return ok(header as ServiceJwtHeader)
}

export function parsePayload(part: string): Result<ServiceJwtPayload, ServiceJwtError> {
  const p = decodeJson(part)
  if (
    !isObject(p) ||
    typeof p.iss !== 'string' ||
    typeof p.aud !== 'string' ||
    typeof p.exp !== 'number' ||
    // Truthiness, as xrpc-server: a falsy lxm or nonce of another type passes here (and lxm fails its own check).
    (p.lxm && typeof p.lxm !== 'string') ||
    (p.nonce && typeof p.nonce !== 'string')
  )
    return badJwt()
  return ok(p as ServiceJwtPayload)
}

// The atproto DID syntax: `did:`, a lower-case method, then letters, digits and `._:%-`, not ending in `:` or `%`.
const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/
const MAX_DID_LENGTH = 2048

const isDid = (value: string) => value.length <= MAX_DID_LENGTH && DID.test(value)

/** A DID, or a DID with one non-empty `#fragment` (a service of that DID). */
export function isDidOrService(value: string): boolean {
  const hash = value.indexOf('#')
  if (hash === -1) return isDid(value)
  if (hash === value.length - 1 || value.includes('#', hash + 1)) return false
  return isDid(value.slice(0, hash))
}
