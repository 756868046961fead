import type { CoreError } from '../domain/errors.js'
import type { Joinery } from '../joinery-api.js'

/** The name of a Joinery command, as on the `Joinery` interface. */
export type CommandName = keyof Joinery

/** How a command ended: with its value, or with its typed error (a refusal, bad input or a storage failure). */
export type CommandEnd = { readonly ok: true } | { readonly ok: false; readonly error: CoreError }

/**
 * Watches every command: logging, metrics, tracing (`@joinery/opentelemetry` builds one on OpenTelemetry).
 * `commandStarted` is called as a command is called, before its input is validated, with the acting user when the
 * input names one (`actor`, or `viewer` for reads); the function it returns, if any, is called exactly once when the
 * command ends. Both MUST return quickly; a throw from either is caught and ignored, so an observer can never change
 * a command's answer.
 */
export interface CommandObserver {
  commandStarted(
    command: CommandName,
    context: { readonly actor: string | null },
  ): ((end: CommandEnd) => void) | undefined
}
