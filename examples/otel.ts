import * as api from '@opentelemetry/api';
import { instrument } from 'maiagent-webhook/otel';

// Once, after the OpenTelemetry SDK is set up (optional: tracerProvider, meterProvider).
export const stopInstrumenting = instrument({ api });
