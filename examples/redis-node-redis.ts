import express from 'express';
import { createClient } from 'redis';
import { maiagentWebhook } from 'maiagent-webhook';
import { RedisStore } from 'maiagent-webhook/redis';

// No per-command timeout (node-redis's costs a timer per command): the webhook bounds every store call by timeoutMs.
export const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', commandOptions: { timeout: 0 } });
redis.connect().catch((error) => console.error('redis:', error));

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  store: new RedisStore({ sendCommand: (args) => redis.sendCommand(args) }),
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));
