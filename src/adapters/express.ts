import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createWebhookHandler } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../presets/preset';
import { fromNodeRequest, writeNodeResponse } from './node-io';
import type { Closable } from '../core/handle';

export type ExpressWebhookMiddleware = RequestHandler & Closable;

/** Express middleware around the core: translate the request, write the outcome, nothing else. */
export function expressMiddleware<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): ExpressWebhookMiddleware {
  const handle = createWebhookHandler(preset, options);
  function webhookMiddleware(req: Request, res: Response, next: NextFunction): void {
    handle(fromNodeRequest(req)).then((outcome) => writeNodeResponse(res, outcome), next);
  }
  return Object.assign(webhookMiddleware, { close: handle.close });
}
