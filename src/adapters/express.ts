import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createWebhookHandler } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../presets/preset';
import { fromNodeRequest, writeNodeResponse } from './node-io';

/** Express middleware around the core: translate the request, write the outcome, nothing else. */
export function expressMiddleware<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): RequestHandler {
  const handle = createWebhookHandler(preset, options);
  return function webhookMiddleware(req: Request, res: Response, next: NextFunction): void {
    handle(fromNodeRequest(req)).then((outcome) => writeNodeResponse(res, outcome), next);
  };
}
