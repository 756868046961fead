import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto'

/** An atproto account for tests: its DID and the keypair its DID document names as `#atproto`. */
export interface Account {
  readonly did: string
  readonly keypair: Secp256k1Keypair | P256Keypair
  readonly handle: string
}

/** The DID document of an account, as a PLC directory or a did:web host serves it. */
export function accountDocument(did: string, keypair: Secp256k1Keypair | P256Keypair, handle: string) {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    alsoKnownAs: [`at://${handle}`],
    verificationMethod: [
      {
        id: `${did}#atproto`,
        type: 'Multikey',
        controller: did,
        publicKeyMultibase: keypair.did().slice('did:key:'.length),
      },
    ],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://pds.joinery.test' }],
  }
}

interface Host {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, host: string): Promise<Host> {
  const http = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(0, host, () => resolve())
  })
  const { port } = http.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** How a stand-in answers one DID, to test failures: as usual, or a server error, or never. */
export type HostBehaviour = 'serve' | 'fail' | 'hang'

/**
 * A PLC directory stand-in: a real HTTP server answering `GET /<did>` with the DID's document (404 for DIDs it does
 * not hold), as the PLC directory does. `setBehaviour('fail' | 'hang')` makes it answer 500 or never.
 */
export async function startPlcDirectory() {
  const docs = new Map<string, unknown>()
  let behaviour: HostBehaviour = 'serve'
  const requests: string[] = []
  const host = await serve((req, res) => {
    const did = decodeURIComponent((req.url ?? '/').slice(1))
    requests.push(did)
    if (behaviour === 'hang') return
    if (behaviour === 'fail') return json(res, 500, { message: 'Internal Server Error' })
    const doc = req.method === 'GET' ? docs.get(did) : undefined
    if (doc === undefined) return json(res, 404, { message: `DID not registered: ${did}` })
    json(res, 200, doc)
  }, '127.0.0.1')
  return {
    url: host.url,
    requests,
    setBehaviour: (b: HostBehaviour) => {
      behaviour = b
    },
    /** Registers a new did:plc account with a fresh key (secp256k1 unless asked for P-256). */
    async newAccount(handle: string, curve: 'secp256k1' | 'p256' = 'secp256k1'): Promise<Account> {
      const keypair = curve === 'p256' ? await P256Keypair.create() : await Secp256k1Keypair.create()
      // did:plc ids are 24 characters of base32 (a–z, 2–7).
      const id = [...randomBytes(24)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('')
      const did = `did:plc:${id}`
      docs.set(did, accountDocument(did, keypair, handle))
      return { did, keypair, handle }
    },
    /** Replaces an account's document (a key rotation, or a document without a key). */
    setDocument(did: string, doc: unknown) {
      docs.set(did, doc)
    },
    close: host.close,
  }
}

/**
 * A did:web account host: a real HTTP server on `localhost` serving `/.well-known/did.json`, so its account is
 * `did:web:localhost%3A<port>` and `@atproto/identity` fetches it over plain http (it allows http for localhost).
 */
export async function startDidWebAccount(handle: string) {
  const keypair = await Secp256k1Keypair.create()
  let doc: unknown = null
  const host = await serve((req, res) => {
    if (req.url === '/.well-known/did.json' && doc) return json(res, 200, doc)
    json(res, 404, { message: 'not found' })
  }, 'localhost')
  const did = `did:web:localhost%3A${host.port}`
  doc = accountDocument(did, keypair, handle)
  const account: Account = { did, keypair, handle }
  return { account, url: host.url, close: host.close }
}
