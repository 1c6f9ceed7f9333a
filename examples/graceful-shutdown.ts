import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

const app = express();
const webhook = maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});
app.post('/maiagent/webhook', webhook);

const server = app.listen(3000);

process.once('SIGTERM', async () => {
  // New deliveries now get 503 (MaiAgent retries later); waits for running callbacks and for every claim to be
  // recorded in the store, at most 30 s for a callback that never settles.
  await webhook.close({ timeoutMs: 30_000 });
  server.close();
  // Only now quit the store's Redis client, if there is one (redis.close() with node-redis, redis.quit() with ioredis).
});
