// maiagent-webhook/fastify: a Fastify plugin. `app.register(maiagentWebhook({ ... }), { prefix: '/maiagent/webhook' })`
import { fastifyPlugin, presetFactories } from './runtime';

export type { FastifyWebhookPlugin } from './adapters/fastify';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(fastifyPlugin);
export * from './public-types';
