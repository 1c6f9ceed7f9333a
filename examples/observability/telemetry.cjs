// OpenTelemetry for the example, loaded first (`node --require ./telemetry.cjs`), as the SDK must be to patch
// node:http: the HTTP server spans, this package's spans and metrics, and a Prometheus scrape endpoint.
'use strict';
const api = require('@opentelemetry/api');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { MeterProvider } = require('@opentelemetry/sdk-metrics');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base');
const { instrument } = require('maiagent-webhook/otel');

// Spans to the console here; in production an OTLP exporter (@opentelemetry/exporter-trace-otlp-http) instead.
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new ConsoleSpanExporter(), { scheduledDelayMillis: 200 })] });
tracerProvider.register();

// Served by the app itself on /metrics (see server.mjs) rather than on a port of the exporter's own.
const prometheus = new PrometheusExporter({ preventServerStart: true });
api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [prometheus] }));

registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
instrument({ api });

module.exports = { prometheus };
