// Starts relay instances in their own processes (relay-worker.ts) and a webhook receiver for them, for the
// multi-process tests.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { Webhook } from 'standardwebhooks'
import type { WebhookPayload } from '../webhook.js'
import type { RelayWorkerInput } from './relay-worker.js'

const WORKER = new URL('./relay-worker.ts', import.meta.url).pathname

export interface RelayProcess {
  readonly exited: Promise<number | null>
  /** SIGTERM: the relay stops gracefully; resolves with the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL: the crash. */
  kill(): Promise<void>
}

export async function startRelayProcess(input: RelayWorkerInput): Promise<RelayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', WORKER], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.stdin?.write(`${JSON.stringify(input)}\n`)
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  const line = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))])
  if (line.done || line.value !== 'ready') throw new Error(`relay worker did not start: ${stderr}`)
  return {
    exited,
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
}

export interface Delivery {
  readonly instance: string
  readonly eventId: string
  readonly groupId: string
  readonly subject: string
}

/**
 * An HTTP receiver on 127.0.0.1 that verifies each webhook with the Standard Webhooks library (a bad signature
 * fails the test through `refused`) and keeps what arrived, in arrival order. `hold(instance)` stops answering
 * that instance's requests from then on (they stay in flight until the sender dies).
 */
export async function startReceiver(secret: string) {
  const verifier = new Webhook(secret)
  const deliveries: Delivery[] = []
  let refused = 0
  const held = new Set<string>()
  const waiting: ServerResponse[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let payload: WebhookPayload
      try {
        payload = verifier.verify(body, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        }) as WebhookPayload
      } catch {
        refused++
        res.writeHead(400).end()
        return
      }
      const instance = String(req.headers['x-instance'])
      deliveries.push({
        instance,
        eventId: payload.data.eventId,
        groupId: payload.data.groupId,
        subject: String(payload.data.subject),
      })
      if (held.has(instance)) waiting.push(res)
      else res.writeHead(204).end()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    deliveries,
    refused: () => refused,
    hold: (instance: string) => held.add(instance),
    close: async () => {
      for (const res of waiting) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
