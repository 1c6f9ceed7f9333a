import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWebhookHandler, type Closable } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { fromNodeRequest, respond } from './node-io';

export type NodeWebhookHandler = ((req: IncomingMessage, res: ServerResponse) => void) & Closable;

/** A `(req, res)` listener for a bare node:http server: translate the request, write the outcome, nothing else. */
export function nodeHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): NodeWebhookHandler {
  const handle = createWebhookHandler(preset, options);
  function webhookListener(req: IncomingMessage, res: ServerResponse): void {
    handle(fromNodeRequest(req), (outcome) => respond(res, outcome));
  }
  return Object.assign(webhookListener, { close: handle.close });
}
