import type { BodySource, WebhookRequest } from '../../src/core/types';

/** A WebhookRequest from plain data, as the core's unit tests use it. */
export function plainRequest(parts: { method?: string; url?: string; headers?: Record<string, string>; body?: BodySource }): WebhookRequest {
  const headers = parts.headers ?? {};
  return {
    method: parts.method ?? 'POST',
    url: parts.url ?? '/maiagent/webhook',
    header: (name) => headers[name],
    body: parts.body ?? { kind: 'consumed' },
  };
}
