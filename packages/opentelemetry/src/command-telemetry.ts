import type { CommandObserver, CoreErrorCode } from '@joinery/core'
import { SpanStatusCode } from '@opentelemetry/api'
import { instrumentsOf, secondsSince, type TelemetryOptions } from './instruments.js'

/** Outcomes that are failures of the service, not answers to the caller: their spans are marked as errors. */
const FAILURES: ReadonlySet<CoreErrorCode> = new Set(['StorageError', 'StorageUnavailable', 'SocialGraphUnavailable'])

export interface CommandTelemetryOptions extends TelemetryOptions {
  /** Put the acting user's id on each span (`joinery.actor`). Default false: user ids are personal data. */
  readonly recordActor?: boolean
}

/**
 * A `CommandObserver` for `createJoinery({ observer })` that reports every command to OpenTelemetry:
 * - a span `joinery <command>` with `joinery.command` and `joinery.outcome` (`ok` or the error code); refusals are
 *   answers, so only storage and social-graph failures set the span's status to ERROR, with the cause recorded;
 * - a counter `joinery.commands` and a histogram `joinery.command.duration` (seconds), by command and outcome.
 * Through `@opentelemetry/api` only: nothing is recorded until the host installs an SDK.
 * @example
 * const joinery = createJoinery({ store, observer: joineryTelemetry() })
 */
export function joineryTelemetry(options: CommandTelemetryOptions = {}): CommandObserver {
  const { tracer, meter } = instrumentsOf(options)
  const commands = meter.createCounter('joinery.commands', { description: 'Joinery commands run, by outcome' })
  const duration = meter.createHistogram('joinery.command.duration', {
    description: 'How long Joinery commands take, from the call to the answer',
    unit: 's',
  })
  return {
    commandStarted(command, { actor }) {
      const started = performance.now()
      const span = tracer.startSpan(`joinery ${command}`, {
        attributes: { 'joinery.command': command, ...(options.recordActor && actor ? { 'joinery.actor': actor } : {}) },
      })
      return (end) => {
        const outcome = end.ok ? 'ok' : end.error.code
        span.setAttribute('joinery.outcome', outcome)
        if (!end.ok && FAILURES.has(end.error.code)) {
          const cause = 'cause' in end.error ? end.error.cause : undefined
          if (cause instanceof Error) span.recordException(cause)
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome })
        }
        span.end()
        const attributes = { 'joinery.command': command, 'joinery.outcome': outcome }
        commands.add(1, attributes)
        duration.record(secondsSince(started), attributes)
      }
    },
  }
}
