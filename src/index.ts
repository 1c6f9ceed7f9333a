import type { RequestHandler } from 'express';
import { expressMiddleware } from './adapters/express';
import type { WebhookOptions } from './core/options';
import { maiagentPreset, type MaiAgentMessage } from './presets/maiagent';

/** Express middleware that receives MaiAgent replies: `app.post('/maiagent/webhook', maiagentWebhook({...}))`. */
export function maiagentWebhook(options: WebhookOptions<MaiAgentMessage>): RequestHandler {
  return expressMiddleware(maiagentPreset, options);
}

export { OUTCOMES } from './core/outcomes';
export { DEFAULT_LIMIT, DEFAULT_TIMEOUT_MS } from './core/options';
export type { WebhookOptions, DeliveryContext, Rejection } from './core/options';
export type { Outcome, OutcomeCode, Problem, WebhookRequest, BodySource } from './core/types';
export type {
  MaiAgentMessage,
  MaiAgentPayload,
  MaiAgentSender,
  MaiAgentFeedback,
  MaiAgentAttachment,
  MaiAgentCitation,
} from './presets/maiagent';
