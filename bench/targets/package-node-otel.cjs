// (5) with maiagent-webhook/otel on: a span and four metrics per delivery, into the SDK's in-memory exporters
// (spans emptied every second, so the run measures the instrumentation, not a growing array).
'use strict';
const http = require('node:http');
const api = require('@opentelemetry/api');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));
const { instrument } = require(dist('otel.js'));

// ONLY=spans or ONLY=metrics keeps one half (the other goes to the API's no-op provider), to see what each costs.
const only = process.env.ONLY;
const spans = new InMemorySpanExporter();
setInterval(() => spans.reset(), 1000).unref();
const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
instrument({
  api,
  tracerProvider: only === 'metrics' || only === 'none' ? api.trace.getTracerProvider() : new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  meterProvider: only === 'spans' || only === 'none' ? api.metrics.getMeterProvider() : new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 1000 })] }),
});

ready(http.createServer(maiagentWebhook({ authToken: TOKEN, onMessage: async () => {} })));
