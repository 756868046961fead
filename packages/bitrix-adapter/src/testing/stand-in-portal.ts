import { B24Hook } from '@bitrix24/b24jssdk'
import {
  createInMemoryStore,
  createJoinery,
  createSequentialIdGenerator,
  type Joinery,
  type MembershipStore,
} from '@joinery/core'
import type { BitrixAuthResolver } from '../auth.js'
import { type BitrixAdapterOptions, createBitrixHandler } from '../handler.js'
import { createThrowawayCertificate, type Listening, listen } from '../node.js'
import { trustInGlobalAgent } from './trusted-certificates.js'

export interface StandInPortalOptions extends Partial<Omit<BitrixAdapterOptions, 'joinery' | 'auth'>> {
  /** The store under the portal's core. Default: a fresh in-memory store. */
  readonly store?: MembershipStore
}

export interface StandInPortal {
  /** The portal's HTTPS address (a throwaway certificate for 127.0.0.1 and localhost). */
  readonly url: string
  /** The same portal over plain HTTP, for clients other than the SDK (which speaks only HTTPS). */
  readonly httpUrl: string
  /** The PEM certificate the portal serves, for clients that take a CA of their own. */
  readonly certificate: string
  /** The core under the portal: seed state here, including what no REST method sets (a member limit, …). */
  readonly joinery: Joinery
  /** The inbound-webhook URL of `userId` (`…/rest/{userId}/{code}/`), for any numeric user. */
  webhookUrl(userId: number | string): string
  /** The official SDK's webhook client acting as `userId`, ready to call. */
  hook(userId: number | string): B24Hook
  /** Stops the servers and stops trusting the certificate. */
  close(): Promise<void>
}

/** The webhook code of `userId` on a stand-in portal: anyone may act as any user, as a test needs. */
const codeOf = (userId: string) => `stand-in-${userId}`

const standInAuth: BitrixAuthResolver = {
  webhook: (userId, code) => (/^[1-9][0-9]{0,9}$/.test(userId) && code === codeOf(userId) ? userId : null),
}

/**
 * Starts a local stand-in for a Bitrix24 portal: the `sonet_group.*` REST methods over HTTPS and HTTP on 127.0.0.1,
 * over one Joinery core with sequential integer group ids (as a portal's); user 1 is its administrator
 * (`administrators` to change that). While it runs, Node's default HTTPS agent
 * also trusts its throwaway certificate, so `@bitrix24/b24jssdk` clients reach it as they would a real portal.
 * Needs the optional peers `@bitrix24/b24jssdk` and `selfsigned`.
 * @example
 * const portal = await startStandInPortal()
 * const b24 = portal.hook(1)
 * const created = await b24.actions.v2.call.make({ method: 'sonet_group.create', params: { NAME: 'Climbers' } })
 * await portal.close()
 */
export async function startStandInPortal(options: StandInPortalOptions = {}): Promise<StandInPortal> {
  const { store = createInMemoryStore(), ...adapterOptions } = options
  const joinery = createJoinery({ store, ids: createSequentialIdGenerator() })
  // User 1, a portal's first user, is its administrator (sonet_group.user.add needs one), unless told otherwise.
  const handler = createBitrixHandler({ joinery, auth: standInAuth, administrators: ['1'], ...adapterOptions })
  const tls = await createThrowawayCertificate()
  const servers: Listening[] = []
  try {
    servers.push(await listen(handler, { tls }), await listen(handler))
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()))
    throw error
  }
  const [https, http] = servers as [Listening, Listening]
  const untrust = trustInGlobalAgent(tls.cert)
  const webhookUrl = (userId: number | string) => `${https.url}/rest/${userId}/${codeOf(String(userId))}/`
  return {
    url: https.url,
    httpUrl: http.url,
    certificate: tls.cert,
    joinery,
    webhookUrl,
    hook(userId) {
      const hook = B24Hook.fromWebhookUrl(webhookUrl(userId))
      // The SDK warns when a webhook is used in a browser-like setting; a test is neither.
      hook.offClientSideWarning()
      return hook
    },
    async close() {
      untrust()
      await Promise.all(servers.map((server) => server.close()))
    },
  }
}
