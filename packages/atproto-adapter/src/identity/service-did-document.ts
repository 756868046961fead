/** The DID document of a chat service, as a PDS reads it to proxy `atproto-proxy: <did>#bsky_chat` calls. */
export interface ServiceDidDocument {
  readonly '@context': readonly string[]
  readonly id: string
  readonly service: readonly { readonly id: string; readonly type: string; readonly serviceEndpoint: string }[]
}

export interface ServiceDidDocumentOptions {
  /** The service's DID (`did:web:chat.example.com`). */
  readonly serviceDid: string
  /** Where the service answers XRPC: an `https://` (or, for local development, `http://`) origin. */
  readonly serviceEndpoint: string
  /** The service id a PDS is asked for (`atproto-proxy: <did>#<serviceId>`). Default `bsky_chat`. */
  readonly serviceId?: string
}

/**
 * The DID document a `did:web` chat service publishes at `/.well-known/did.json`: its id and one service entry
 * `#bsky_chat` of type `BskyChatService` pointing at the endpoint. A PDS resolves it to route
 * `atproto-proxy: did:web:HOST#bsky_chat`; third-party resolvers also check the type and that the endpoint is an
 * origin (path `/`, no query or fragment), so anything else is refused here.
 * @example
 * serviceDidDocument({ serviceDid: 'did:web:chat.example.com', serviceEndpoint: 'https://chat.example.com' })
 */
export function serviceDidDocument(options: ServiceDidDocumentOptions): ServiceDidDocument {
  const url = new URL(options.serviceEndpoint)
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError(`serviceEndpoint must be an http(s) URL, got ${options.serviceEndpoint}`)
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new TypeError(
      `serviceEndpoint must be an origin without path, query or fragment, got ${options.serviceEndpoint}`,
    )
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: options.serviceDid,
    service: [{ id: `#${options.serviceId ?? 'bsky_chat'}`, type: 'BskyChatService', serviceEndpoint: url.origin }],
  }
}

/**
 * The origin a `did:web` DID names, where its document lives: `did:web:chat.example.com` → `https://chat.example.com`,
 * `did:web:localhost%3A8080` → `http://localhost:8080` (plain http only for `localhost`, as `@atproto/identity`
 * fetches it). `null` for other methods and for did:web with a path, which atproto does not resolve.
 */
export function didWebOrigin(did: string): string | null {
  if (!did.startsWith('did:web:')) return null
  const id = did.slice('did:web:'.length)
  if (id === '' || id.includes(':')) return null
  try {
    const url = new URL(`https://${decodeURIComponent(id)}`)
    if (url.hostname === 'localhost') url.protocol = 'http'
    return url.origin
  } catch {
    return null
  }
}
