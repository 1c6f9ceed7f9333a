import type { Request, RequestHandler, Response } from 'express';
import { createWebhookHandler } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { fromNodeRequest, respond } from './node-io';
import type { Closable } from '../core/handle';

export type ExpressWebhookMiddleware = RequestHandler & Closable;

/** Express middleware around the core: translate the request, write the outcome, nothing else. */
export function expressMiddleware<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): ExpressWebhookMiddleware {
  const handle = createWebhookHandler(preset, options);
  function webhookMiddleware(req: Request, res: Response): void {
    handle(fromNodeRequest(req), (outcome) => respond(res, outcome));
  }
  return Object.assign(webhookMiddleware, { close: handle.close });
}
