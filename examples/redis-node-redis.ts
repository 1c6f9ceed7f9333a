import express from 'express';
import { createClient } from 'redis';
import { maiagentWebhook } from 'maiagent-webhook';
import { RedisStore } from 'maiagent-webhook/redis';

// No per-command timeout (node-redis's costs a timer per command): the webhook bounds every store call by timeoutMs.
export const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', commandOptions: { timeout: 0 } });
// Without an 'error' listener node-redis ends the process when Redis goes away; with one, it reconnects.
redis.on('error', (error: Error) => console.error('redis:', error.message));
redis.connect().catch((error: Error) => console.error('redis:', error.message));

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  store: new RedisStore({ sendCommand: (args) => redis.sendCommand(args) }),
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));
