import { type BatchObservableCallback, type MeterProvider, metrics } from '@opentelemetry/api'
import type { DeliveryReport, SubscriberStats } from '../relay.js'

/** The relay's OpenTelemetry instruments. Without a registered provider, `@opentelemetry/api` makes them no-ops. */
export function relayMetrics(provider: MeterProvider | undefined, stats: () => Promise<SubscriberStats[]>) {
  const meter = (provider ?? metrics.getMeterProvider()).getMeter('@joinery/relay')
  const attempts = meter.createCounter('joinery.relay.delivery.attempts', {
    description: 'Delivery attempts, by subscriber and outcome (delivered, failed, dead)',
    unit: '{attempt}',
  })
  const duration = meter.createHistogram('joinery.relay.delivery.duration', {
    description: 'How long one delivery attempt took',
    unit: 'ms',
  })
  const latency = meter.createHistogram('joinery.relay.delivery.latency', {
    description: "From the event's transaction to its delivery",
    unit: 'ms',
  })
  const pending = meter.createObservableGauge('joinery.relay.pending', {
    description: 'Events not yet delivered to the subscriber (across every instance)',
    unit: '{event}',
  })
  const lag = meter.createObservableGauge('joinery.relay.lag', {
    description: 'Age of the oldest event not yet delivered to the subscriber',
    unit: 'ms',
  })
  const retrying = meter.createObservableGauge('joinery.relay.retrying', {
    description: 'Deliveries that failed and wait for their retry',
    unit: '{delivery}',
  })
  const dead = meter.createObservableGauge('joinery.relay.dead_letters', {
    description: 'Deliveries given up after the last allowed attempt',
    unit: '{delivery}',
  })
  const observe: BatchObservableCallback = async (result) => {
    for (const s of await stats()) {
      const attributes = { 'joinery.subscriber': s.subscriber }
      result.observe(pending, s.pending, attributes)
      result.observe(lag, s.lagMs, attributes)
      result.observe(retrying, s.retrying, attributes)
      result.observe(dead, s.dead, attributes)
    }
  }
  const observables = [pending, lag, retrying, dead]
  meter.addBatchObservableCallback(observe, observables)
  return {
    record(r: DeliveryReport): void {
      const attributes = { 'joinery.subscriber': r.subscriber, 'joinery.outcome': r.outcome }
      attempts.add(1, attributes)
      duration.record(r.durationMs, attributes)
      if (r.outcome === 'delivered') latency.record(r.lagMs, { 'joinery.subscriber': r.subscriber })
    },
    close(): void {
      meter.removeBatchObservableCallback(observe, observables)
    },
  }
}
