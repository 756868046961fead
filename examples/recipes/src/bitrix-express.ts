import { type BitrixAdapterOptions, createBitrixHandler } from '@joinery/bitrix-adapter'
import express, { type Express } from 'express'

/**
 * Bitrix24's REST methods in an Express app that parses bodies globally, as most do: the handler is mounted at
 * `/rest` (it reads `req.originalUrl`, so the webhook URL stays `https://host/rest/{user}/{code}/`) and takes the
 * bodies `express.json()` and `express.urlencoded()` parsed. Under a deeper mount (`app.use('/bitrix/rest', …)`)
 * pass `basePath: '/bitrix'`.
 */
export function createBitrixExpressApp(options: BitrixAdapterOptions): Express {
  const app = express()
  app.use(express.json())
  app.use(express.urlencoded({ extended: true }))
  app.use('/rest', createBitrixHandler(options))
  return app
}
