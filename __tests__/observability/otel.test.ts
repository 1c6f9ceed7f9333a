// maiagent-webhook/otel with the OpenTelemetry SDK's in-memory exporters (SDK 2.x: it runs on Node 20). The
// attribute and metric names are pinned here: the messaging conventions are still in development upstream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { instrument } from 'maiagent-webhook/otel';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { maiagentWebhook as fetchWebhook } from 'maiagent-webhook/fetch';
import { section, tableRows } from '../support/docs';
import { TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })] });
const contextManager = new AsyncLocalStorageContextManager().enable();
let uninstrument: () => void;
let server: RunningServer;

const calls: string[] = [];
let outcomesHeard = 0;
/** Releases the callbacks of 'held' deliveries. */
let releaseHeld: () => void = () => {};
const webhook = maiagentWebhook({
  authToken: TOKEN,
  timeoutMs: 200,
  onOutcome: () => void (outcomesHeard += 1),
  onMessage: async (message) => {
    calls.push(message.id);
    if (message.content === 'fail') throw new TypeError('downstream refused');
    // A client that puts the URL it called, token and all, in its error (the log redacts it; the span must too).
    if (message.content === 'fail echoing the token') throw new Error(`GET https://crm.example/push?token=${TOKEN} answered 502`);
    if (message.content === 'slow') await new Promise((resolve) => setTimeout(resolve, 400));
    if (message.content === 'held') await new Promise<void>((resolve) => (releaseHeld = resolve));
    if (message.content === 'traced inside') {
      const inside = tracerProvider.getTracer('user-code');
      inside.startSpan('before an await').end();
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside.startSpan('after an await').end();
    }
  },
});

beforeAll(async () => {
  api.context.setGlobalContextManager(contextManager);
  uninstrument = instrument({ api, tracerProvider, meterProvider });
  // What @opentelemetry/instrumentation-http does for every request: a SERVER span, active for the listener and
  // bound to the request's events (the body arrives in them).
  const tracer = tracerProvider.getTracer('http-server-stand-in');
  server = await listenOnLoopback((req, res) => {
    const span = tracer.startSpan('POST /maiagent/webhook', { kind: api.SpanKind.SERVER });
    const active = api.trace.setSpan(api.context.active(), span);
    res.on('finish', () => span.end());
    api.context.with(active, () => {
      api.context.bind(active, req);
      webhook(req, res);
    });
  });
});

afterAll(async () => {
  uninstrument();
  await server.close();
  await webhook.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  api.context.disable();
});

beforeEach(() => {
  spans.reset();
  calls.length = 0;
});

/** Sends one delivery and waits until its outcome is heard (a late callback's comes after the answer). */
async function send(content: string, options: { token?: string; body?: object } = {}) {
  const heardBefore = outcomesHeard;
  const body = options.body ?? buildMaiAgentDelivery({ content, conversation: 'conv-otel' });
  const sent = await sendDelivery(`${server.url}/maiagent/webhook`, { token: options.token ?? TOKEN, body });
  while (outcomesHeard === heardBefore) await new Promise((resolve) => setTimeout(resolve, 10));
  return sent;
}

function processSpans(): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.name === 'process maiagent');
}

async function metricNamed(name: string): Promise<MetricData | undefined> {
  await meterProvider.forceFlush();
  const exported = metrics.getMetrics().at(-1);
  return exported?.scopeMetrics.flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name);
}

describe('spans', () => {
  it('one CONSUMER span per delivery processed, a child of the HTTP server span, with the messaging attributes', async () => {
    const { status } = await send('hello');
    expect(status).toBe(200);
    const [span] = processSpans();
    const serverSpan = spans.getFinishedSpans().find((s) => s.name === 'POST /maiagent/webhook');
    expect(span?.kind).toBe(api.SpanKind.CONSUMER);
    expect(span?.parentSpanContext?.spanId).toBe(serverSpan?.spanContext().spanId);
    expect(span?.attributes).toEqual({
      'messaging.system': 'maiagent',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.message.id': calls[0],
      'messaging.message.conversation_id': 'conv-otel',
      'maiagent_webhook.outcome': 'delivered',
      'maiagent_webhook.status_code': 200,
    });
    expect(span?.status.code).toBe(api.SpanStatusCode.UNSET);
  });

  it.each([
    ['a failing callback', 'fail', 'handler_failed', 500],
    ['a callback past timeoutMs', 'slow', 'handler_timeout', 503],
  ])('%s: error status, error.type is the outcome code', async (_name, content, code, status) => {
    expect((await send(content)).status).toBe(status);
    const [span] = processSpans();
    expect(span?.status).toEqual({ code: api.SpanStatusCode.ERROR, message: code });
    expect(span?.attributes).toMatchObject({ 'error.type': code, 'maiagent_webhook.outcome': code, 'maiagent_webhook.status_code': status });
    if (content === 'fail') expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('a callback error that echoes the token is recorded with the token as [redacted], as the log writes it', async () => {
    expect((await send('fail echoing the token')).status).toBe(500);
    const [span] = processSpans();
    const recorded = span?.events.find((event) => event.name === 'exception')?.attributes ?? {};
    expect(recorded['exception.message']).toBe('GET https://crm.example/push?token=[redacted] answered 502');
    expect(JSON.stringify({ attributes: span?.attributes, events: span?.events, status: span?.status })).not.toContain(TOKEN);
  });
});

describe('metrics', () => {
  it('deliveries by platform and outcome, callback duration, callbacks in flight, duplicates absorbed', async () => {
    const delivery = buildMaiAgentDelivery({ content: 'counted' });
    await send('', { body: delivery });
    await send('', { body: delivery });
    await send('', { body: buildMaiAgentDelivery(), token: 'wrong' });
    await send('fail');

    const deliveries = await metricNamed('maiagent_webhook.deliveries');
    expect(deliveries?.descriptor.unit).toBe('{delivery}');
    const count = (code: string, status: number) =>
      deliveries?.dataPoints.find((p) => p.attributes['maiagent_webhook.outcome'] === code && p.attributes['http.response.status_code'] === status && p.attributes['messaging.system'] === 'maiagent')?.value;
    // Cumulative over the file: the span tests before sent one delivered, two failed (one echoing the token), one timed out.
    expect({ delivered: count('delivered', 200), duplicate: count('duplicate', 200), unauthorized: count('unauthorized', 401), failed: count('handler_failed', 500), timedOut: count('handler_timeout', 503) })
      .toEqual({ delivered: 2, duplicate: 1, unauthorized: 1, failed: 3, timedOut: 1 });

    const duration = await metricNamed('messaging.process.duration');
    expect(duration?.descriptor.unit).toBe('s');
    expect(duration?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const histogram = (errorType: string | undefined) =>
      duration?.dataPoints.find((p) => p.attributes['error.type'] === errorType && p.attributes['messaging.system'] === 'maiagent' && p.attributes['messaging.operation.name'] === 'process')?.value as { count: number } | undefined;
    expect({ ok: histogram(undefined)?.count, failed: histogram('TypeError')?.count }).toEqual({ ok: 3, failed: 2 });

    const active = await metricNamed('maiagent_webhook.callback.active');
    expect(active?.dataPoints.map((p) => [p.attributes['messaging.system'], p.value])).toEqual([['maiagent', 0]]);
    const duplicates = await metricNamed('maiagent_webhook.duplicates');
    expect(duplicates?.dataPoints.map((p) => [p.attributes['messaging.system'], p.value])).toEqual([['maiagent', 1]]);
  });

  it('puts no message or conversation id in a metric (they would explode cardinality)', async () => {
    await send('hello');
    await meterProvider.forceFlush();
    const keys = new Set(metrics.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => m.dataPoints.flatMap((p) => Object.keys(p.attributes)))));
    expect([...keys].sort()).toEqual(['error.type', 'http.response.status_code', 'maiagent_webhook.outcome', 'messaging.operation.name', 'messaging.system']);
  });
});

describe('spans tell the truth', () => {
  it('a platform retry answered 409 while the delivery runs does not end its span: the delivery\'s own 200 does', async () => {
    const delivery = buildMaiAgentDelivery({ content: 'held', conversation: 'conv-otel' });
    const first = sendDelivery(`${server.url}/maiagent/webhook`, { token: TOKEN, body: delivery });
    while (!calls.includes(delivery.id)) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await send('', { body: delivery })).status).toBe(409);
    const heardBefore = outcomesHeard;
    releaseHeld();
    expect((await first).status).toBe(200);
    while (outcomesHeard === heardBefore) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(processSpans().map((span) => [span.attributes['maiagent_webhook.outcome'], span.status.code])).toEqual([['delivered', api.SpanStatusCode.UNSET]]);
  });

  it('spans started inside onMessage, before and after an await, are children of the delivery\'s span', async () => {
    await send('traced inside');
    const [processSpan] = processSpans();
    const inside = spans.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'user-code');
    expect(inside.map((span) => [span.name, span.parentSpanContext?.spanId])).toEqual([
      ['before an await', processSpan?.spanContext().spanId],
      ['after an await', processSpan?.spanContext().spanId],
    ]);
  });

  it('the instrumentation scope carries the package\'s version, for spans and metrics', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    await send('hello');
    expect(processSpans()[0]?.instrumentationScope).toEqual({ name: 'maiagent-webhook', version });
    await meterProvider.forceFlush();
    expect(metrics.getMetrics().at(-1)?.scopeMetrics.map((scope) => scope.scope)).toEqual([{ name: 'maiagent-webhook', version }]);
  });
});

describe('queue mode (deliverTo)', () => {
  it('counts each delivery as enqueued, and makes no span: no callback runs in the receiver', async () => {
    let heard = 0;
    const queued = fetchWebhook({ authToken: TOKEN, deliverTo: { enqueue: () => {} }, onOutcome: () => void (heard += 1) });
    const response = await queued(new Request(`https://receiver.example/hook?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(buildMaiAgentDelivery()) }));
    expect(response.status).toBe(200);
    while (heard === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(processSpans()).toEqual([]);
    const deliveries = await metricNamed('maiagent_webhook.deliveries');
    expect(deliveries?.dataPoints.find((p) => p.attributes['maiagent_webhook.outcome'] === 'enqueued')?.value).toBe(1);
  });
});

describe('the docs (observability.md, OpenTelemetry)', () => {
  /** Each Markdown table of the section, its rows without the header. */
  const tables = () => section('OpenTelemetry').split('\n\n').filter((block) => block.startsWith('| ')).map((block) => tableRows(block));
  const names = (cell: string | undefined) => (cell ?? '').split(', ').map((name) => name.replace(/`/g, ''));

  it('name every span attribute a delivery\'s span carries, failed or not, and nothing else', async () => {
    await send('hello');
    await send('fail');
    const carried = new Set(processSpans().flatMap((span) => Object.keys(span.attributes)));
    const [attributes] = tables();
    expect(attributes?.flatMap(([name]) => names(name)).sort()).toEqual([...carried].sort());
  });

  it('name every metric with its unit, and nothing else', async () => {
    // A delivery and its retry: every metric has a data point, whichever tests ran before.
    const delivery = buildMaiAgentDelivery({ content: 'hello' });
    await send('', { body: delivery });
    await send('', { body: delivery });
    await meterProvider.forceFlush();
    const exported = metrics.getMetrics().at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    const [, metricRows] = tables();
    const documented = (metricRows ?? []).map(([name, kind]) => [names(name)[0], /, `([^`]+)`/.exec(kind ?? '')?.[1]]);
    expect(documented.sort()).toEqual(exported.map((metric) => [metric.descriptor.name, metric.descriptor.unit]).sort());
  });
});

describe('instrument()', () => {
  it('runs as the README shows it (with the global providers)', async () => {
    const { stopInstrumenting } = await import('../../examples/otel');
    expect(typeof stopInstrumenting).toBe('function');
    stopInstrumenting();
  });

  it('says what is missing where there is no diagnostics_channel', () => {
    const getBuiltinModule = process.getBuiltinModule;
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
    try {
      expect(() => instrument({ api })).toThrow(/diagnostics_channel is not available/);
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', { value: getBuiltinModule, configurable: true, writable: true });
    }
  });

  it('stops when told: no span and no count after', async () => {
    const local = new InMemorySpanExporter();
    const stop = instrument({ api, tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(local)] }) });
    await send('first');
    stop();
    await send('second');
    expect(local.getFinishedSpans().map((s) => s.name)).toEqual(['process maiagent']);
  });
});
