// maiagent-webhook/koa: Koa middleware. `router.post('/maiagent/webhook', maiagentWebhook({ ... }))`
import { koaMiddleware, presetFactories } from './runtime';

export type { KoaWebhookMiddleware } from './adapters/koa';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(koaMiddleware);
export * from './public-types';
