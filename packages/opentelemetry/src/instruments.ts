import { type Meter, metrics, type Tracer, trace } from '@opentelemetry/api'

/** The instrumentation scope every span and metric of this package is reported under. */
export const SCOPE = '@joinery/opentelemetry'

export interface TelemetryOptions {
  /** Default: `trace.getTracer('@joinery/opentelemetry')`, a no-op until the host registers a tracer provider. */
  readonly tracer?: Tracer
  /** Default: `metrics.getMeter('@joinery/opentelemetry')`, a no-op until the host registers a meter provider. */
  readonly meter?: Meter
}

export function instrumentsOf(options: TelemetryOptions): { tracer: Tracer; meter: Meter } {
  return { tracer: options.tracer ?? trace.getTracer(SCOPE), meter: options.meter ?? metrics.getMeter(SCOPE) }
}

/** Milliseconds between two `performance.now()` readings, in the seconds OpenTelemetry's duration metrics use. */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000
}
