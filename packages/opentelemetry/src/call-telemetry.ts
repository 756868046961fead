import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { instrumentsOf, type TelemetryOptions } from './instruments.js'

/** What both adapters' `onCall` hooks report of an answered call (the fields this package reads). */
export interface AnsweredCall {
  readonly method: string
  readonly status: number
  readonly ms: number
}

/**
 * An `onCall` hook for either adapter (`createJoineryXrpcServer({ onCall })`, `createBitrixHandler({ onCall })`)
 * that reports each answered protocol call to OpenTelemetry: a server span `<protocol> <method>` spanning the call
 * (`rpc.system`, `rpc.method`, `http.response.status_code`; ERROR status for 5xx), a counter `joinery.calls` and a
 * histogram `joinery.call.duration` (seconds), by protocol, method and status. Callers are not recorded.
 * @example
 * createBitrixHandler({ joinery, auth, onCall: protocolCallTelemetry('bitrix24') })
 */
export function protocolCallTelemetry(
  protocol: 'atproto' | 'bitrix24',
  options: TelemetryOptions = {},
): (call: AnsweredCall) => void {
  const { tracer, meter } = instrumentsOf(options)
  const calls = meter.createCounter('joinery.calls', { description: 'Protocol calls answered, by status' })
  const duration = meter.createHistogram('joinery.call.duration', {
    description: 'How long protocol calls take, from the request to the answer',
    unit: 's',
  })
  return (call) => {
    const endTime = Date.now()
    const span = tracer.startSpan(`${protocol} ${call.method}`, {
      kind: SpanKind.SERVER,
      startTime: endTime - call.ms,
      attributes: { 'rpc.system': protocol, 'rpc.method': call.method, 'http.response.status_code': call.status },
    })
    if (call.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(call.status) })
    span.end(endTime)
    const attributes = { 'rpc.system': protocol, 'rpc.method': call.method, 'http.response.status_code': call.status }
    calls.add(1, attributes)
    duration.record(call.ms / 1000, attributes)
  }
}
