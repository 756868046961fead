import { phpIntval } from '../internal/params.js'
import { randomHex } from '../internal/random.js'
import type { Method, MethodAnswer, MethodCall } from '../methods/context.js'
import { bitrixDate } from '../views.js'
import { bitrixError } from '../wire/envelope.js'
import type { Params, ParamValue } from '../wire/php-params.js'
import type { BitrixApplication, BitrixApplications } from './applications.js'
import { BITRIX_EVENTS, EVENT_SCOPE } from './catalogue.js'
import type { BitrixEventStore, OfflineEvent, QueueKey } from './event-store.js'

/** What the event methods run on: where bindings and the queue live, and the portal's applications. */
export interface EventsContext {
  readonly store: BitrixEventStore
  readonly applications: BitrixApplications
}

const PAGE_SIZE = 50
const ONLINE = 'online'
const OFFLINE = 'offline'

// The REST module's exceptions, as it answers them (modules/rest/lib/{accessexception,authtypeexception}.php,
// RestException::initFromException for ArgumentException and ArgumentNullException).
const wrongAuthType = () => bitrixError(403, 'WRONG_AUTH_TYPE', 'Current authorization type is denied for this method')
const accessDenied = (why = '') => bitrixError(403, 'ACCESS_DENIED', `Access denied!${why ? ` ${why}` : ''}`)
const nullArgument = (name: string) => bitrixError(400, 'ERROR_ARGUMENT', `Argument '${name}' is null or empty`)
const badArgument = (message: string) => bitrixError(400, 'ERROR_ARGUMENT', message)

interface AppCall {
  readonly app: BitrixApplication
  readonly events: EventsContext
  readonly userId: number
  readonly admin: boolean
  /** `auth_connector` of the call: the offline queue it reads (offline-events.md). */
  readonly connectorId: string
}

/**
 * Every event method works only for an application (event-bind.md: "only within the context of application
 * authorization"): a webhook or a token of no application gets `WRONG_AUTH_TYPE`, as `AuthTypeException`.
 */
async function asApplication(call: MethodCall): Promise<AppCall | MethodAnswer> {
  const credentials = call.credentials
  if (!call.events || credentials?.kind !== 'token') return wrongAuthType()
  const app = await call.events.applications.applicationOf(credentials.token)
  if (!app) return wrongAuthType()
  // PostgreSQL text cannot hold U+0000: refused as input, never a 500 from the store.
  if (holdsNul(call.params)) return badArgument('Incorrect input data: must not contain the NUL character (U+0000)')
  const connector = call.params.auth_connector
  return {
    app,
    events: call.events,
    userId: phpIntval(call.user),
    admin: call.administrator,
    connectorId: typeof connector === 'string' ? connector : '',
  }
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (typeof value !== 'object' || value === null) return false
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v))
}

const isAnswer = (value: AppCall | MethodAnswer): value is MethodAnswer => !('app' in value)

/** The parameters with upper-cased (`event.bind`, `.unbind`: `CASE_UPPER`) or lower-cased (`event.offline.*`) names. */
function keysIn(params: Params, upper: boolean): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [upper ? k.toUpperCase() : k.toLowerCase(), v]))
}

const str = (value: ParamValue | undefined): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''

/** `EVENT_TYPE`: online (the default) or offline; anything else is refused as the module refuses it. */
function eventType(value: ParamValue | undefined): typeof ONLINE | typeof OFFLINE | null {
  const type = str(value).toLowerCase()
  if (type === '') return ONLINE
  return type === ONLINE || type === OFFLINE ? type : null
}

/** The events an application may bind: those of its scopes (`events` without parameters; `event.bind`'s lookup). */
function eventsOfScopes(app: BitrixApplication): string[] {
  const scopes = app.scope ? new Set(app.scope.split(',').map((s) => s.trim())) : null
  return BITRIX_EVENTS.filter((e) => scopes === null || scopes.has(EVENT_SCOPE[e]))
}

/**
 * `HandlerHelper::checkCallback`: a URL whose host has a dot after its first character, over http or https.
 * (`localhost` is refused; `127.0.0.1` passes.)
 */
function handlerUrlError(handler: string): MethodAnswer | null {
  let url: URL
  try {
    url = new URL(handler)
  } catch {
    return bitrixError(400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL')
  }
  if (url.hostname.indexOf('.') <= 0) return bitrixError(400, 'ERROR_WRONG_HANDLER_URL', 'Wrong handler URL')
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return bitrixError(400, 'ERROR_UNSUPPORTED_PROTOCOL', 'Unsupported handler protocol')
  return null
}

// --- the offline queue's filter and order (IRestService::sanitizeFilter / sanitizeOrder) ---

type Field = 'ID' | 'TIMESTAMP_X' | 'EVENT_NAME' | 'MESSAGE_ID' | 'PROCESS_ID' | 'ERROR'
const GET_FIELDS: readonly Field[] = ['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'MESSAGE_ID']
const LIST_FIELDS: readonly Field[] = [...GET_FIELDS, 'PROCESS_ID', 'ERROR']

function fieldValue(row: OfflineEvent, field: Field): string | number {
  switch (field) {
    case 'ID':
      return row.id
    case 'TIMESTAMP_X':
      return row.at.getTime()
    case 'EVENT_NAME':
      return row.event
    case 'MESSAGE_ID':
      return row.messageId
    case 'PROCESS_ID':
      return row.processId
    case 'ERROR':
      return row.error ? 1 : 0
  }
}

function comparable(field: Field, value: ParamValue): string | number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  if (field === 'ID' || field === 'ERROR') return phpIntval(value)
  if (field === 'TIMESTAMP_X') {
    const ms = Date.parse(String(value))
    return Number.isNaN(ms) ? null : ms
  }
  return String(value)
}

type Test = (row: OfflineEvent) => boolean

/** `filter`: `[op]FIELD => value` with `=`, `!`/`!=`, `<`, `<=`, `>`, `>=`; unknown fields are dropped, as the module does. */
function readFilter(value: ParamValue | undefined, fields: readonly Field[]): Test | MethodAnswer {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return () => true
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return badArgument('Filter must be an array')
  const tests: Test[] = []
  for (const [key, raw] of Object.entries(value)) {
    const m = /^(=|!=|!|<=|>=|<|>)?([A-Z_]+)$/i.exec(key)
    const field = m?.[2]?.toUpperCase() as Field | undefined
    if (!m || !field || !fields.includes(field)) continue
    const wanted = comparable(field, raw as ParamValue)
    if (wanted === null) return badArgument(`Wrong filter value for ${field}`)
    const op = m[1] ?? '='
    tests.push((row) => {
      const v = fieldValue(row, field)
      switch (op) {
        case '=':
          return v === wanted
        case '!':
        case '!=':
          return v !== wanted
        case '<':
          return v < wanted
        case '<=':
          return v <= wanted
        case '>':
          return v > wanted
        default:
          return v >= wanted
      }
    })
  }
  return (row) => tests.every((t) => t(row))
}

type Order = (a: OfflineEvent, b: OfflineEvent) => number

/** `order`: `FIELD => ASC|DESC`, unknown fields dropped; ties fall back to the id. */
function readOrder(value: ParamValue | undefined, fields: readonly Field[], fallback: [Field, 'ASC' | 'DESC']): Order {
  const keys: [Field, number][] = []
  if (value && typeof value === 'object' && !Array.isArray(value))
    for (const [k, dir] of Object.entries(value)) {
      const field = k.toUpperCase() as Field
      if (fields.includes(field)) keys.push([field, str(dir as ParamValue).toUpperCase() === 'DESC' ? -1 : 1])
    }
  if (keys.length === 0) keys.push([fallback[0], fallback[1] === 'DESC' ? -1 : 1])
  keys.push(['ID', 1])
  return (a, b) => {
    for (const [field, dir] of keys) {
      const x = fieldValue(a, field)
      const y = fieldValue(b, field)
      if (x !== y) return (x < y ? -1 : 1) * dir
    }
    return 0
  }
}

/** A queue row as `event.offline.get` answers it (`EVENT_ADDITIONAL` holds the user who caused it). */
function offlineRow(row: OfflineEvent) {
  return {
    ID: String(row.id),
    TIMESTAMP_X: bitrixDate(row.at),
    EVENT_NAME: row.event,
    EVENT_DATA: row.data,
    EVENT_ADDITIONAL: row.additional,
    MESSAGE_ID: row.messageId,
  }
}

const newProcessId = () => randomHex(16)

/** Bitrix24's event API (api-reference/events/): bindings, the list of events, and the offline queue. */
export const eventMethods: Record<string, Method> = {
  /** api-reference/events/events.md: `SCOPE` narrows to one scope; `FULL` lists all; else the app's scopes. */
  async events(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    const params = keysIn(call.params, true)
    const scope = str(params.SCOPE)
    if (params.SCOPE !== undefined && scope !== '')
      return { result: BITRIX_EVENTS.filter((e) => EVENT_SCOPE[e] === scope) }
    const full = params.FULL
    if (full === true || full === 'true' || full === 'Y' || (full !== undefined && phpIntval(full) > 0))
      return { result: [...BITRIX_EVENTS] }
    return { result: eventsOfScopes(app.app) }
  },

  /** api-reference/events/event-bind.md, in the order `Event::eventBind` checks. */
  async 'event.bind'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    const params = keysIn(call.params, true)
    const event = str(params.EVENT).toUpperCase()
    const type = eventType(params.EVENT_TYPE)
    let handler = str(params.HANDLER)
    let userId = phpIntval(params.AUTH_TYPE)
    if (userId > 0) {
      if (!app.admin && userId !== app.userId)
        return accessDenied('Event binding with AUTH_TYPE requires administrator access rights')
    } else if (!app.admin) userId = app.userId
    if (event === '') return nullArgument('EVENT')
    if (type === null) return badArgument('Value must be one of {online|offline}')
    if (type === OFFLINE) {
      if (!app.admin) return accessDenied('Offline events binding requires administrator access rights')
      handler = ''
      userId = 0
    } else if (handler === '') return nullArgument('HANDLER')
    if (handler !== '') {
      const refused = handlerUrlError(handler)
      if (refused) return refused
    }
    if (!eventsOfScopes(app.app).includes(event)) return bitrixError(400, 'ERROR_EVENT_NOT_FOUND', 'Event not found')
    const bound = await app.events.store.bind({
      clientId: app.app.clientId,
      event,
      handler,
      userId,
      connectorId: type === OFFLINE ? app.connectorId : '',
    })
    if (!bound) return bitrixError(400, 'ERROR_CORE', 'Unable to set event handler: Handler already binded')
    return { result: true }
  },

  /**
   * api-reference/events/event-unbind.md → `{count}`. `EVENT` is required, and `HANDLER` for online bindings (the
   * module's `ArgumentNullException`s; the page's "no parameters deletes all" is not what it does).
   */
  async 'event.unbind'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    const params = keysIn(call.params, true)
    const event = str(params.EVENT).toUpperCase()
    const type = eventType(params.EVENT_TYPE)
    if (event === '') return nullArgument('EVENT')
    if (type === null) return badArgument('Value must be one of {online|offline}')
    const base = { clientId: app.app.clientId, event }
    if (type === OFFLINE) {
      if (!app.admin) return accessDenied('Offline events unbinding requires administrator access rights')
      return {
        result: { count: await app.events.store.unbind({ ...base, handler: '', connectorId: app.connectorId }) },
      }
    }
    const handler = str(params.HANDLER)
    if (handler === '') return nullArgument('HANDLER')
    let userId: number | undefined
    if (params.AUTH_TYPE !== undefined) {
      userId = phpIntval(params.AUTH_TYPE)
      if (!app.admin && userId !== app.userId)
        return accessDenied('Event unbinding with AUTH_TYPE requires administrator access rights')
    } else if (!app.admin) userId = app.userId
    const count = await app.events.store.unbind({ ...base, handler, ...(userId === undefined ? {} : { userId }) })
    return { result: { count } }
  },

  /** api-reference/events/event-get.md: the app's bindings by id; a non-administrator sees only their own. */
  async 'event.get'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    const bindings = await app.events.store.bindings(app.app.clientId, app.admin ? undefined : app.userId)
    return {
      result: bindings.map((b) =>
        b.handler !== ''
          ? { event: b.event, handler: b.handler, auth_type: String(b.userId), offline: 0 }
          : { event: b.event, connector_id: b.connectorId, offline: 1 },
      ),
    }
  },

  /**
   * api-reference/events/event-offline-get.md: reserves the first `limit` (50) unreserved rows matching `filter`
   * in `order` (`TIMESTAMP_X ASC`) and answers them; with `clear` (the default) deletes them at once and answers
   * `process_id: null`, with `clear=0` keeps them for `event.offline.clear`. `process_id` re-reads a reservation;
   * `error=1` reads error rows.
   */
  async 'event.offline.get'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    if (!app.admin) return accessDenied()
    const params = keysIn(call.params, false)
    const clear = params.clear === undefined ? 1 : phpIntval(params.clear)
    const given = params.process_id === undefined ? null : str(params.process_id).trim()
    const limit = params.limit === undefined ? PAGE_SIZE : phpIntval(params.limit)
    if (limit <= 0) return badArgument('Value must be positive integer')
    const test = readFilter(params.filter, GET_FIELDS)
    if (typeof test !== 'function') return test
    const order = readOrder(params.order, GET_FIELDS, ['TIMESTAMP_X', 'ASC'])
    const wantErrors = phpIntval(params.error) === 1
    const key: QueueKey = { clientId: app.app.clientId, connectorId: app.connectorId }
    const store = app.events.store
    let processId = given
    if (processId === null) {
      processId = newProcessId()
      const candidates = (await store.queue(key))
        .filter((r) => r.processId === '' && r.error === wantErrors && test(r))
        .sort(order)
        .slice(0, limit)
      await store.reserve(
        key,
        candidates.map((r) => r.id),
        processId,
      )
    }
    const mine = (await store.queue(key))
      .filter((r) => r.processId === processId && r.error === wantErrors && test(r))
      .sort(order)
      .slice(0, limit)
    if (clear && mine.length > 0) await store.clear(key, processId)
    return { result: { process_id: clear && given === null ? null : processId, events: mine.map(offlineRow) } }
  },

  /**
   * api-reference/events/event-offline-clear.md: deletes a reservation's rows (`process_id` required), or only those
   * in `id` or, without `id`, in `message_id` (32-character values).
   */
  async 'event.offline.clear'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    if (!app.admin) return accessDenied()
    const params = keysIn(call.params, false)
    if (params.process_id === undefined) return nullArgument('PROCESS_ID')
    const processId = str(params.process_id).trim()
    const key: QueueKey = { clientId: app.app.clientId, connectorId: app.connectorId }
    if (params.message_id !== undefined) {
      const list = params.message_id
      if (!Array.isArray(list)) return badArgument('Value must be array of MESSAGE_ID values')
      const messageIds = list.map((m) => str(m).trim())
      if (messageIds.some((m) => m.length !== 32)) return badArgument('Value must be array of MESSAGE_ID values')
      // `id` wins over `message_id` when both are given (the module checks `message_id` first, then overrides).
      if (params.id === undefined) {
        await app.events.store.clear(key, processId, { messageIds })
        return { result: true }
      }
    }
    if (params.id !== undefined) {
      if (!Array.isArray(params.id)) return badArgument('Value must be array of integers')
      const ids = params.id.map((v) => phpIntval(v))
      if (ids.some((id) => id <= 0)) return badArgument('Value must be array of integers')
      await app.events.store.clear(key, processId, { ids })
      return { result: true }
    }
    await app.events.store.clear(key, processId)
    return { result: true }
  },

  /** api-reference/events/event-offline-error.md: flags a reservation's rows (by `message_id`) as errors. */
  async 'event.offline.error'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    if (!app.admin) return accessDenied()
    const params = keysIn(call.params, false)
    if (params.process_id === undefined) return nullArgument('PROCESS_ID')
    if (!Array.isArray(params.message_id)) return badArgument('Value must be array of MESSAGE_ID values')
    const messageIds = params.message_id.map((m) => str(m))
    if (messageIds.length > 0)
      await app.events.store.markError(
        { clientId: app.app.clientId, connectorId: app.connectorId },
        str(params.process_id).trim(),
        messageIds,
      )
    return { result: true }
  },

  /**
   * api-reference/events/event-offline-list.md: the queue unchanged, 50 a page from the exact `start`, with `total`
   * (and `next`); rows add `PROCESS_ID` and `ERROR`; default order `ID ASC`.
   */
  async 'event.offline.list'(call) {
    const app = await asApplication(call)
    if (isAnswer(app)) return app
    if (!app.admin) return accessDenied()
    const params = keysIn(call.params, false)
    const test = readFilter(params.filter, LIST_FIELDS)
    if (typeof test !== 'function') return test
    const order = readOrder(params.order, LIST_FIELDS, ['ID', 'ASC'])
    const start = Math.max(0, phpIntval(call.params.start))
    const rows = (await app.events.store.queue({ clientId: app.app.clientId, connectorId: app.connectorId }))
      .filter(test)
      .sort(order)
    const page = rows.slice(start, start + PAGE_SIZE).map((r) => ({
      ...offlineRow(r),
      PROCESS_ID: r.processId,
      ERROR: r.error ? '1' : '0',
    }))
    const next = start + page.length
    return next < rows.length ? { result: page, total: rows.length, next } : { result: page, total: rows.length }
  },
}
