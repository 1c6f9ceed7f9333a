import type * as OpenTelemetry from '@opentelemetry/api';
import { isPromiseLike } from '../core/eventually';
import { REDACT_TEXT } from '../core/observer';
import { VERSION } from '../version';
import { CALLBACK_CHANNEL, CALLBACK_TRACE, diagnosticsChannels, OUTCOME_CHANNEL, RUN_CALLBACK, type PublishedOutcome, type TracedCallback, type TracingHandlers } from './channels';

/** The parts of `@opentelemetry/api` used: the caller passes their own, so the package imports none of it. */
export type OpenTelemetryApi = Pick<typeof OpenTelemetry, 'trace' | 'metrics' | 'context' | 'SpanKind' | 'SpanStatusCode'>;

export interface InstrumentOptions {
  /** `import * as api from '@opentelemetry/api'`. */
  api: OpenTelemetryApi;
  /** Default: the global one the SDK registered. */
  tracerProvider?: OpenTelemetry.TracerProvider | undefined;
  /** Default: the global one the SDK registered. */
  meterProvider?: OpenTelemetry.MeterProvider | undefined;
}

/** Span and metric names and attribute keys, pinned by the tests (the messaging conventions are still in development). */
export const NAMES = Object.freeze({
  instrumentation: 'maiagent-webhook',
  deliveries: 'maiagent_webhook.deliveries',
  processDuration: 'messaging.process.duration',
  active: 'maiagent_webhook.callback.active',
  duplicates: 'maiagent_webhook.duplicates',
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  errorType: 'error.type',
  outcome: 'maiagent_webhook.outcome',
  statusCode: 'maiagent_webhook.status_code',
});

/** One delivery's span, from its callback's start until its own outcome ends it. */
interface Traced {
  span: OpenTelemetry.Span;
  startedAt: number;
  /** Whether the callback has settled (its duration recorded, the active count lowered). */
  settled: boolean;
}

// messaging.process.duration's bucket advice in the semantic conventions, in seconds.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * Turns the package's diagnostics channels into OpenTelemetry: one CONSUMER span per delivery whose callback ran
 * (`process maiagent`, a child of whatever span is active, the HTTP server span when the HTTP instrumentation runs),
 * ended with the delivery's outcome; and four metrics. Call it once; it answers a function that stops it.
 */
export function instrument({ api, tracerProvider, meterProvider }: InstrumentOptions): () => void {
  const channels = diagnosticsChannels();
  if (!channels) throw new Error('maiagent-webhook/otel: node:diagnostics_channel is not available here (Node ≥ 20.16, Bun, Deno, Workers with nodejs_compat)');
  const tracer = (tracerProvider ?? api.trace.getTracerProvider()).getTracer(NAMES.instrumentation, VERSION);
  const meter = (meterProvider ?? api.metrics.getMeterProvider()).getMeter(NAMES.instrumentation, VERSION);
  const deliveries = meter.createCounter(NAMES.deliveries, { unit: '{delivery}', description: 'Deliveries answered, by platform and outcome code' });
  const duplicates = meter.createCounter(NAMES.duplicates, { unit: '{delivery}', description: 'Retries of a delivered reply, answered 200 without a second callback' });
  const active = meter.createUpDownCounter(NAMES.active, { unit: '{delivery}', description: 'Callbacks running now' });
  const duration = meter.createHistogram(NAMES.processDuration, {
    unit: 's',
    description: 'How long onMessage took',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });

  /**
   * Each traced callback's span, by the callback's own context object, which the delivery's outcome names: so a
   * span is ended by its own delivery's outcome, never by another attempt's for the same message id (a 409). Each
   * instrument() keeps its own, so two never take each other's spans.
   */
  const traced = new WeakMap<TracedCallback, Traced>();
  // Attribute sets are made once per value and reused: building them per delivery was most of this code's cost.
  const attributeSets = new Map<string, OpenTelemetry.Attributes>();
  const attributesOf = (key: string, make: () => OpenTelemetry.Attributes): OpenTelemetry.Attributes => {
    let attributes = attributeSets.get(key);
    if (!attributes) attributeSets.set(key, (attributes = make()));
    return attributes;
  };
  const systemOf = (platform: string) => attributesOf(platform, () => ({ [NAMES.system]: platform }));

  const callbackSettled = (context: TracedCallback): void => {
    const started = traced.get(context);
    if (!started || started.settled) return;
    started.settled = true;
    active.add(-1, systemOf(context.platform));
    const failure = context.error === undefined ? '' : errorType(context.error);
    const attributes = attributesOf(`${context.platform}:process:${failure}`, () => ({
      [NAMES.system]: context.platform,
      [NAMES.operationName]: 'process',
      ...(failure ? { [NAMES.errorType]: failure } : {}),
    }));
    duration.record((performance.now() - started.startedAt) / 1000, attributes);
  };

  const handlers: TracingHandlers = {
    start(context: TracedCallback) {
      const span = tracer.startSpan(
        `process ${context.platform}`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: {
            [NAMES.system]: context.platform,
            [NAMES.operationName]: 'process',
            [NAMES.operationType]: 'process',
            [NAMES.messageId]: context.messageId,
            [NAMES.conversationId]: context.conversationId,
          },
        },
        api.context.active(),
      );
      traced.set(context, { span, startedAt: performance.now(), settled: false });
      runInsideTheSpan(api, context, span);
      active.add(1, systemOf(context.platform));
    },
    end(context: TracedCallback) {
      // A callback that returned a promise settles later (asyncEnd); any other is done now.
      if (context.error !== undefined || !returnedAPromise(context)) callbackSettled(context);
    },
    asyncEnd: callbackSettled,
    error(context: TracedCallback) {
      traced.get(context)?.span.recordException(exceptionOf(context.error, context[REDACT_TEXT]));
    },
  };

  const outcomeHeard = (message: unknown): void => {
    const { platform, code, status, [CALLBACK_TRACE]: trace } = message as PublishedOutcome;
    deliveries.add(1, attributesOf(`${platform}:${code}:${status}`, () => ({ [NAMES.system]: platform, [NAMES.outcome]: code, 'http.response.status_code': status })));
    if (code === 'duplicate') duplicates.add(1, systemOf(platform));
    const started = trace && traced.get(trace);
    if (!started) return;
    traced.delete(trace);
    const { span } = started;
    span.setAttributes({ [NAMES.outcome]: code, [NAMES.statusCode]: status });
    if (status >= 300) {
      span.setAttribute(NAMES.errorType, code);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: code });
    }
    span.end();
  };

  const callbacks = channels.tracingChannel(CALLBACK_CHANNEL);
  const outcomes = channels.channel(OUTCOME_CHANNEL);
  callbacks.subscribe(handlers);
  outcomes.subscribe(outcomeHeard);
  return () => {
    callbacks.unsubscribe(handlers);
    outcomes.unsubscribe(outcomeHeard);
  };
}

/** Inspecting what a callback returned can throw (a revoked Proxy); a subscriber must not, or Node rethrows it. */
function returnedAPromise(context: TracedCallback): boolean {
  try {
    return isPromiseLike(context.result);
  } catch {
    return false;
  }
}

/**
 * Has the callback run inside the span's context, so the spans its own code starts (an HTTP client's, a database's)
 * are children of the delivery's. Another subscriber's wrapper, if one came first, still runs, inside this one.
 */
function runInsideTheSpan(api: OpenTelemetryApi, context: TracedCallback, span: OpenTelemetry.Span): void {
  const active = api.trace.setSpan(api.context.active(), span);
  const outer = context[RUN_CALLBACK];
  context[RUN_CALLBACK] = outer ? (call) => outer(() => api.context.with(active, call)) : (call) => api.context.with(active, call);
}

/** What the callback threw, as the span records it: each token it echoes written `[redacted]`, as the log writes it. */
function exceptionOf(error: unknown, redact: (text: string) => string = (text) => text): OpenTelemetry.Exception {
  if (!(error instanceof Error)) return { message: redact(String(error)) };
  return { name: error.name, message: redact(error.message), ...(error.stack === undefined ? {} : { stack: redact(error.stack) }) };
}

/** Low-cardinality, as the conventions ask: the error's class name, never its message. */
function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
