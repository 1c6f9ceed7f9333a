// maiagent-webhook/otel: OpenTelemetry spans and metrics from the package's diagnostics channels.
// `instrument({ api })`, with the caller's own `@opentelemetry/api` (an optional peer dependency; never the SDK).
export { instrument, NAMES } from './observability/otel';
export type { InstrumentOptions, OpenTelemetryApi } from './observability/otel';
export { CALLBACK_CHANNEL, OUTCOME_CHANNEL } from './observability/channels';
export type { TracedCallback } from './observability/channels';
