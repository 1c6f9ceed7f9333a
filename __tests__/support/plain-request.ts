import type { Closable, WebhookHandler } from '../../src/core/handle';
import type { BodySource, Outcome, WebhookRequest } from '../../src/core/types';

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

/** The core handler as a promise of its outcome, the way the Fetch adapter uses it. */
export function promising(handle: WebhookHandler): ((request: WebhookRequest) => Promise<Outcome>) & Closable {
  const outcomeOf = (request: WebhookRequest): Promise<Outcome> => new Promise((answer) => handle(request, answer));
  return Object.assign(outcomeOf, { close: handle.close });
}
