// maiagent-webhook: Express middleware. `app.post('/maiagent/webhook', maiagentWebhook({ authToken, onMessage }))`
import { expressMiddleware, presetFactories } from './runtime';

export type { ExpressWebhookMiddleware } from './adapters/express';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(expressMiddleware);
export * from './public-types';
