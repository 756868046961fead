import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@atproto/crypto'

/**
 * A did:web account on this machine, as a real user's would be on their own domain: a small HTTP server on
 * `localhost` serving `/.well-known/did.json` with the account's `#atproto` signing key, so the chat service resolves
 * the key through the DID document, exactly as for `did:web:alice.example.com` (plain http is allowed for localhost).
 */
export async function startDidWebAccount(handle: string) {
  const keypair = await Secp256k1Keypair.create()
  let document = ''
  const http = createServer((req, res) => {
    if (req.url !== '/.well-known/did.json') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(document)
  })
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(0, 'localhost', () => resolve())
  })
  const did = `did:web:localhost%3A${(http.address() as AddressInfo).port}`
  document = JSON.stringify({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    alsoKnownAs: [`at://${handle}`],
    verificationMethod: [
      { id: `${did}#atproto`, type: 'Multikey', controller: did, publicKeyMultibase: keypair.did().slice(8) },
    ],
  })
  return {
    did,
    keypair,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}
