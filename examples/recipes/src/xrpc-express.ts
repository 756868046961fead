import { type AtprotoAdapterOptions, createJoineryXrpcServer } from '@joinery/atproto-adapter'
import express, { type Express } from 'express'

/**
 * The AT Protocol adapter inside an Express 5 app, mounted under a path, behind the app's own `express.json()`.
 * `server.router` is Express middleware: below the mount it reads `/xrpc/<nsid>` (Express moves the mount path to
 * `req.baseUrl`), it takes the body `express.json()` already parsed, and it passes on (`next()`) what it does not
 * serve, so the app's other routes and its 404 keep working.
 */
export function createExpressApp(options: AtprotoAdapterOptions): Express {
  const chat = createJoineryXrpcServer({
    ...options,
    // Behind Express, the client's address is what Express makes of it (`trust proxy` decides).
    clientAddress: (req) => (req as express.Request).ip ?? 'unknown',
  })
  const app = express()
  app.use(express.json())
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })
  app.use('/chat', chat.router)
  return app
}
