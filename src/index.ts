// maiagent-webhook: Express middleware. `app.post('/maiagent/webhook', maiagentWebhook({ authToken, onMessage }))`
import { expressMiddleware } from './adapters/express';
import { presetFactories } from './presets/factories';

export type { ExpressWebhookMiddleware } from './adapters/express';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(expressMiddleware);
export * from './public-types';
