import { Agent } from 'node:https'
import { ApiVersion, B24Hook } from '@bitrix24/b24jssdk'
import { createInMemoryStore, createJoinery, createSequentialIdGenerator } from '@joinery/core'
import { createWebhookAuth } from '../auth.js'
import { type BitrixAdapterOptions, createBitrixHandler } from '../handler.js'
import { createThrowawayCertificate, listen, type TlsCertificate } from '../node.js'

/** Webhook users of the test portal: user N's code is `code-N`. */
export const USERS = ['1', '2', '3', '4', '5', '6'] as const
export const codeOf = (user: string) => `code-${user}`

let certificate: Promise<TlsCertificate> | null = null

/** A local Bitrix24 stand-in over HTTPS (throwaway certificate) and plain HTTP, on one in-memory core. */
export async function startTestPortal(options: Partial<BitrixAdapterOptions> = {}) {
  certificate ??= createThrowawayCertificate()
  const tls = await certificate
  const store = createInMemoryStore()
  const joinery = createJoinery({ store, ids: createSequentialIdGenerator() })
  const handler = createBitrixHandler({
    joinery,
    auth: createWebhookAuth(USERS.map((userId) => ({ userId, code: codeOf(userId) }))),
    // User 1 is the portal's first user, an administrator, as on a real portal.
    administrators: ['1'],
    ...options,
  })
  const https = await listen(handler, { tls })
  const http = await listen(handler)
  const trusting = new Agent({ ca: tls.cert })

  /** The official SDK's webhook client for `user`, trusting the throwaway certificate. */
  function hookFor(user: string): B24Hook {
    const hook = B24Hook.fromWebhookUrl(`${https.url}/rest/${user}/${codeOf(user)}/`)
    hook.offClientSideWarning()
    hook.getHttpClient(ApiVersion.v2).ajaxClient.defaults.httpsAgent = trusting
    return hook
  }

  /** Calls a method through the SDK as `user` and returns `result`; throws the SDK's AjaxError on an error answer. */
  async function call<T = unknown>(user: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
    const response = await hookFor(user).actions.v2.call.make<T>({ method, params })
    return (response.getData() as { result: T }).result
  }

  return {
    joinery,
    store,
    httpUrl: http.url,
    httpsUrl: https.url,
    hookFor,
    call,
    close: async () => {
      trusting.destroy()
      await Promise.all([https.close(), http.close()])
    },
  }
}

export type TestPortal = Awaited<ReturnType<typeof startTestPortal>>

/** The SDK error a call failed with: its code, HTTP status and message. */
export async function sdkErrorOf(call: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await call
  } catch (e) {
    const err = e as { code: string; status: number; message: string }
    return { code: err.code, status: err.status, message: err.message }
  }
  throw new Error('expected the call to fail')
}
