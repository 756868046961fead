import { createBitrixHandler, createWebhookAuth } from '@joinery/bitrix-adapter'
import { listen } from '@joinery/bitrix-adapter/node'
import {
  type CoreError,
  createInMemoryStore,
  createJoinery,
  createSequentialIdGenerator,
  storageError,
} from '@joinery/core'
import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { errAsync } from 'neverthrow'
import { afterEach, describe, expect, it } from 'vitest'
import { protocolCallTelemetry } from './call-telemetry.js'
import { joineryTelemetry } from './command-telemetry.js'

/** An OpenTelemetry SDK with in-memory exporters, as a host would install one. */
function installSdk() {
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  trace.setGlobalTracerProvider(tracerProvider)
  metrics.setGlobalMeterProvider(meterProvider)
  return {
    spans: () => spans.getFinishedSpans(),
    /** Every data point of the metric `name`, as attributes and value (a sum, or a histogram's count). */
    async points(name: string) {
      await reader.forceFlush()
      const found = metricExporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((scope) => scope.metrics)
        .find((metric) => metric.descriptor.name === name)
      return (found?.dataPoints ?? []).map((point) => ({
        attributes: point.attributes,
        value: typeof point.value === 'number' ? point.value : (point.value as { count: number }).count,
      }))
    },
  }
}

afterEach(() => {
  trace.disable()
  metrics.disable()
})

describe(joineryTelemetry, () => {
  it('records nothing and changes nothing while no SDK is installed', async () => {
    const joinery = createJoinery({ store: createInMemoryStore(), observer: joineryTelemetry() })
    expect((await joinery.createGroup({ actor: 'ada', name: 'Climbers' })).isOk()).toBe(true)
  })

  it('gives one span per command with its outcome, and counts commands and their durations', async () => {
    const sdk = installSdk()
    const joinery = createJoinery({ store: createInMemoryStore(), observer: joineryTelemetry() })
    const group = (await joinery.createGroup({ actor: 'ada', name: 'Climbers', admission: 'open' }))._unsafeUnwrap()
    await joinery.requestJoin({ actor: 'bob', groupId: group.id })
    await joinery.requestJoin({ actor: 'bob', groupId: 'missing' })
    await joinery.createGroup({ actor: 'ada', name: '' })

    expect(sdk.spans().map((span) => [span.name, span.attributes['joinery.outcome'], span.status.code])).toEqual([
      ['joinery createGroup', 'ok', SpanStatusCode.UNSET],
      ['joinery requestJoin', 'ok', SpanStatusCode.UNSET],
      ['joinery requestJoin', 'GroupNotFound', SpanStatusCode.UNSET],
      ['joinery createGroup', 'InvalidInput', SpanStatusCode.UNSET],
    ])
    expect(sdk.spans().every((span) => span.attributes['joinery.actor'] === undefined)).toBe(true)
    expect(await sdk.points('joinery.commands')).toEqual(
      expect.arrayContaining([
        { attributes: { 'joinery.command': 'requestJoin', 'joinery.outcome': 'ok' }, value: 1 },
        { attributes: { 'joinery.command': 'requestJoin', 'joinery.outcome': 'GroupNotFound' }, value: 1 },
        { attributes: { 'joinery.command': 'createGroup', 'joinery.outcome': 'ok' }, value: 1 },
        { attributes: { 'joinery.command': 'createGroup', 'joinery.outcome': 'InvalidInput' }, value: 1 },
      ]),
    )
    const durations = await sdk.points('joinery.command.duration')
    expect(durations.reduce((sum, point) => sum + point.value, 0)).toBe(4)
  })

  it('marks a storage failure as an error span with its cause, and records the actor only when asked', async () => {
    const sdk = installSdk()
    const cause = new Error('connection reset')
    const store = createInMemoryStore()
    const failing: typeof store = { ...store, transaction: () => errAsync(storageError('the query failed', cause)) }
    const joinery = createJoinery({ store: failing, observer: joineryTelemetry({ recordActor: true }) })
    const failed: CoreError = (await joinery.createGroup({ actor: 'ada', name: 'Climbers' }))._unsafeUnwrapErr()
    expect(failed.code).toBe('StorageError')

    const [span] = sdk.spans()
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'StorageError' })
    expect(span?.attributes['joinery.actor']).toBe('ada')
    expect(span?.events.map((event) => event.attributes?.['exception.message'])).toEqual(['connection reset'])
  })
})

describe(protocolCallTelemetry, () => {
  it('gives a server span per Bitrix24 call beside the command spans, with status and method', async () => {
    const sdk = installSdk()
    const joinery = createJoinery({
      store: createInMemoryStore(),
      ids: createSequentialIdGenerator(),
      observer: joineryTelemetry(),
    })
    const server = await listen(
      createBitrixHandler({
        joinery,
        auth: createWebhookAuth([{ userId: '1', code: 'secret' }]),
        onCall: protocolCallTelemetry('bitrix24'),
      }),
    )
    try {
      await fetch(`${server.url}/rest/1/secret/sonet_group.create.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ NAME: 'Climbers' }),
      })
      await fetch(`${server.url}/rest/1/secret/sonet_group.user.get.json?ID=999`)
    } finally {
      await server.close()
    }
    const calls = sdk.spans().filter((span) => span.kind === SpanKind.SERVER)
    expect(calls.map((span) => [span.name, span.attributes['http.response.status_code']])).toEqual([
      ['bitrix24 sonet_group.create', 200],
      ['bitrix24 sonet_group.user.get', 400],
    ])
    const commands = sdk.spans().filter((span) => span.kind === SpanKind.INTERNAL)
    expect(commands.map((span) => [span.name, span.attributes['joinery.outcome']])).toEqual([
      ['joinery createGroup', 'ok'],
      ['joinery listMembers', 'GroupNotFound'],
    ])
    expect(await sdk.points('joinery.calls')).toHaveLength(2)
  })
})
