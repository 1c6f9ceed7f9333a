import { createWebhookHandler, type Closable } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { chunkStreamOf } from '../core/chunk-stream';
import type { BodySource, HeaderName, Outcome, WebhookRequest } from '../core/types';

export type FetchWebhookHandler = ((request: Request) => Promise<Response>) & Closable;

const NO_BODY: BodySource = Object.freeze({ kind: 'bytes', bytes: new Uint8Array(0) });
/** Read by the framework before the handler (Hono's `await c.req.json()`): nothing left to read. */
const USED_BODY: BodySource = Object.freeze({ kind: 'consumed' });

function bodySource(request: Request): BodySource {
  if (request.bodyUsed || request.body?.locked) return USED_BODY;
  return request.body ? { kind: 'stream', stream: chunkStreamOf(request.body) } : NO_BODY;
}

/** A `(Request) => Promise<Response>` handler for Fetch-API runtimes: translate, answer, nothing else. */
export function fetchHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): FetchWebhookHandler {
  const handle = createWebhookHandler(preset, options);
  async function webhookFetchHandler(request: Request): Promise<Response> {
    const delivery: WebhookRequest = {
      method: request.method,
      url: request.url,
      header: (name: HeaderName) => request.headers.get(name) ?? undefined,
      body: bodySource(request),
    };
    const outcome = await new Promise<Outcome>((answer) => handle(delivery, answer));
    return new Response(outcome.body, { status: outcome.status, headers: outcome.headers });
  }
  return Object.assign(webhookFetchHandler, { close: handle.close });
}
