import type { Context } from 'koa';
import { createWebhookHandler, type Closable } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { fromNodeRequest, respond, type NodeRequest } from './node-io';

export type KoaWebhookMiddleware = ((ctx: Context) => Promise<void>) & Closable;

/**
 * Koa middleware: it writes the response itself (`ctx.respond = false`, or Koa would answer 404 over it), and takes
 * the body a Koa body parser left (`ctx.request.rawBody`, the exact text, else `ctx.request.body`) when one ran.
 */
export function koaMiddleware<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): KoaWebhookMiddleware {
  const handle = createWebhookHandler(preset, options);
  function webhookMiddleware(ctx: Context): Promise<void> {
    ctx.respond = false;
    const req = ctx.req as NodeRequest;
    // The node:http adapter reads what a parser left in `req.body`, as Express parsers leave it; Koa's leave it on ctx.request.
    const { rawBody, body } = ctx.request as { rawBody?: unknown; body?: unknown };
    if (req.body === undefined) req.body = typeof rawBody === 'string' ? rawBody : body;
    return new Promise((answered) =>
      handle(fromNodeRequest(req), (outcome) => {
        respond(ctx.res, outcome);
        answered();
      }),
    );
  }
  return Object.assign(webhookMiddleware, { close: handle.close });
}
