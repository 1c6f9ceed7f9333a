// maiagent-webhook/node: a listener for a bare node:http server. `http.createServer(maiagentWebhook({ ... }))`
import { nodeHandler, presetFactories } from './runtime';

export type { NodeWebhookHandler } from './adapters/node';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(nodeHandler);
export * from './public-types';
