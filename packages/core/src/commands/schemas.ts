import { z } from 'zod'
import { MAX_REQUEST_MESSAGE_LENGTH } from '../domain/join-request.js'

/** Shapes shared by the command inputs. */
export const userId = z.string().min(1).max(2048)
export const groupId = z.string().min(1).max(256)
export const joinCode = z.string().min(1).max(256)
export const reason = z
  .string()
  .max(1000)
  .nullish()
  .transform((v) => v ?? null)
export const message = z
  .string()
  .max(MAX_REQUEST_MESSAGE_LENGTH)
  .nullish()
  .transform((v) => (v ? v : null))
export const memberLimit = z.number().int().min(1).max(1_000_000_000).nullable()
export const pageLimit = z.number().int().min(1).max(100).default(50)
export const cursor = z.string().max(3000).optional()
export const futureOrNullDate = z.date().nullable()
export const userIds = z.array(userId).min(1).max(10_000)

export const groupTarget = z.object({ actor: userId, groupId })
