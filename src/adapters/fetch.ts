import { createWebhookHandler, type Closable } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { chunkStreamOf } from '../core/chunk-stream';
import type { BodySource, HeaderName, Outcome, WebhookRequest } from '../core/types';

/** What Workers (and Hono's `c.executionCtx`) pass along with a request: work to finish after the response. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * `(request) => Promise<Response>`, which also takes the runtime's execution context as Workers pass it:
 * `fetch(request, env, ctx)`, so it can be a Worker's `fetch` as it is, or `handler(request, ctx)`.
 */
export type FetchWebhookHandler = ((request: Request, envOrContext?: unknown, context?: unknown) => Promise<Response>) & Closable;

const NO_BODY: BodySource = Object.freeze({ kind: 'bytes', bytes: new Uint8Array(0) });
/** Read by the framework before the handler (Hono's `await c.req.json()`): nothing left to read. */
const USED_BODY: BodySource = Object.freeze({ kind: 'consumed' });

function bodySource(request: Request): BodySource {
  if (request.bodyUsed || request.body?.locked) return USED_BODY;
  return request.body ? { kind: 'stream', stream: chunkStreamOf(request.body) } : NO_BODY;
}

function executionContextOf(value: unknown): ExecutionContextLike | undefined {
  return typeof (value as Partial<ExecutionContextLike> | null | undefined)?.waitUntil === 'function' ? (value as ExecutionContextLike) : undefined;
}

/** A runtime that refuses the work (a context used outside its request) still gets its answer: the work just may be cut off. */
function keepAlive(runtime: ExecutionContextLike, work: Promise<void>): void {
  try {
    runtime.waitUntil(work);
  } catch {
    // Nothing to add: the delivery is already under way and will be answered.
  }
}

/**
 * A `(Request) => Promise<Response>` handler for Fetch-API runtimes: translate, answer, nothing else. Given an
 * execution context, it hands `waitUntil` the delivery's work after the answer (a callback past `timeoutMs`, the
 * store's record), which Workers would otherwise cancel with the response.
 */
export function fetchHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): FetchWebhookHandler {
  const handle = createWebhookHandler(preset, options);
  async function webhookFetchHandler(request: Request, envOrContext?: unknown, context?: unknown): Promise<Response> {
    const delivery: WebhookRequest = {
      method: request.method,
      url: request.url,
      header: (name: HeaderName) => request.headers.get(name) ?? undefined,
      body: bodySource(request),
    };
    const runtime = executionContextOf(envOrContext) ?? executionContextOf(context);
    const outcome = await new Promise<Outcome>((answer) => {
      if (!runtime) return handle(delivery, answer);
      keepAlive(runtime, new Promise<void>((over) => handle(delivery, answer, over)));
    });
    return new Response(outcome.body, { status: outcome.status, headers: outcome.headers });
  }
  return Object.assign(webhookFetchHandler, { close: handle.close });
}
