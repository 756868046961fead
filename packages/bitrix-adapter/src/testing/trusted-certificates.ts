import { globalAgent } from 'node:https'
import { rootCertificates } from 'node:tls'

/**
 * Certificates Node's default HTTPS agent trusts beside the public roots, while stand-ins that need them run.
 * The Bitrix24 SDK (axios under it) makes its requests through `https.globalAgent` unless told otherwise, so a
 * stand-in's throwaway certificate is trusted without reaching into the SDK.
 */
const extra = new Set<string>()
let original: { had: boolean; ca: unknown } | null = null

/** Trusts `certificate` (PEM) in `https.globalAgent` until the returned function is called. */
export function trustInGlobalAgent(certificate: string): () => void {
  if (extra.size === 0) original = { had: 'ca' in globalAgent.options, ca: globalAgent.options.ca }
  extra.add(certificate)
  apply()
  return () => {
    extra.delete(certificate)
    apply()
  }
}

function apply(): void {
  // Connections kept alive under the old trust settings must not be reused under the new ones.
  globalAgent.destroy()
  if (extra.size > 0) {
    globalAgent.options.ca = [...rootCertificates, ...extra]
    return
  }
  if (original?.had) globalAgent.options.ca = original.ca as string[]
  else delete globalAgent.options.ca
  original = null
}
