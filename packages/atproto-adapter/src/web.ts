/**
 * `@joinery/atproto-adapter/web`: the XRPC service as a web-standard handler, `(Request) => Promise<Response>`, for
 * runtimes with only the web platform (Workers, Deno, Bun, browsers' service workers) and for any framework. Nothing
 * reachable from here imports `node:` (a test bundles this entry for a neutral platform and runs it in a context
 * holding only web globals): signatures are checked by `@atproto/crypto` in JavaScript, DID documents fetched with
 * `fetch`, token ids hashed with WebCrypto. On Node, prefer `createJoineryXrpcServer(…).fetch` from the main entry:
 * the same handler with OpenSSL signatures.
 */
import { checkAdapterOptions } from './adapter-options.js'
import type { AdapterPlatform } from './call-pipeline.js'
import { createFetchSigningKeyResolver } from './identity/fetch-signing-key-resolver.js'
import type { SignatureVerifier } from './signatures/verify-signature.js'
import { createPortableSignatureVerifier } from './signatures/verify-signature-portable.js'
import { webSha256 } from './token-replay.js'
import { createWebHandler, type XrpcHandler, type XrpcHandlerOptions } from './web-handler.js'
import { createXrpcDispatch } from './xrpc-dispatch.js'

export type { AdapterOptions, CallEntry } from './adapter-options.js'
export { verifiedCaller } from './call-pipeline.js'
export { createFetchSigningKeyResolver } from './identity/fetch-signing-key-resolver.js'
export {
  didWebOrigin,
  type ServiceDidDocument,
  type ServiceDidDocumentOptions,
  serviceDidDocument,
} from './identity/service-did-document.js'
export {
  isSigningKeyRefusal,
  type SigningKeyRefusal,
  type SigningKeyResolver,
} from './identity/signing-key-refusal.js'
export { LEXICONS, SERVED_METHODS, type ServedMethod } from './lexicons/index.js'
export { inMemoryRateLimiters, type RateLimiterFactory, type RateLimiterSpec } from './rate-limiters.js'
export type { SignatureVerifier } from './signatures/verify-signature.js'
export { createPortableSignatureVerifier } from './signatures/verify-signature-portable.js'
export type { ReplayGuard } from './token-check.js'
export type { AnonymousPreviewLimit, UnknownCodeLimit } from './unknown-code-limiter.js'
export type { ConvoEnricher, ConvoView, ProfileBasics, ProfileLookup, ProfileViewBasic, ViewOptions } from './views.js'
export type { XrpcHandler, XrpcHandlerOptions, XrpcRequestContext } from './web-handler.js'
export { toXrpcError, XRPC_ERRORS, type XrpcErrorResult } from './xrpc-errors.js'

/** The web entry's pieces; the verifier can be replaced with the `signatureVerifier` option. */
const WEB_PLATFORM: AdapterPlatform = {
  createVerifier: () => createPortableSignatureVerifier(),
  defaultResolver: () => createFetchSigningKeyResolver(),
  sha256: webSha256,
}

/**
 * The `chat.bsky.group` join family and the group convo methods as a web-standard handler, with the wire behaviour of
 * `createJoineryXrpcServer`: `GET /xrpc/<query>`, `POST /xrpc/<procedure>`, lexicon-checked parameters, bodies and
 * answers, XRPC error bodies `{error, message}`, service-JWT checks, rate limits, replay guard, and
 * `/.well-known/did.json` for a `did:web` service. `clientAddress` says where the client's IP comes from (a header,
 * or the context passed as the handler's second argument), so anonymous previews are limited per address. Options
 * are checked at once.
 * @example
 * const handler = createJoineryXrpcHandler({
 *   joinery,
 *   serviceDid: 'did:web:chat.example.com',
 *   clientAddress: (request) => request.headers.get('cf-connecting-ip'),
 * })
 * export default { fetch: (request: Request) => handler(request) } // a Worker
 */
export function createJoineryXrpcHandler<Context = unknown>(
  options: XrpcHandlerOptions<Context> & {
    /** How signatures are checked. Default `createPortableSignatureVerifier()` (`@atproto/crypto`, pure JS). */
    readonly signatureVerifier?: SignatureVerifier
  },
): XrpcHandler<Context> {
  checkAdapterOptions('createJoineryXrpcHandler', options)
  if (options.clientAddress === undefined && options.anonymousPreviewLimit !== false)
    throw new TypeError(
      "createJoineryXrpcHandler: options.clientAddress is required, because a Request has no socket: give (request, context) => the client's address, or set anonymousPreviewLimit: false",
    )
  const { signatureVerifier } = options
  const platform = signatureVerifier ? { ...WEB_PLATFORM, createVerifier: () => signatureVerifier } : WEB_PLATFORM
  return createWebHandler<Context>(createXrpcDispatch(options, platform), options.clientAddress)
}
