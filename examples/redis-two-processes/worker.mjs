// One of two receivers sharing a Redis dedupe store.
import express from 'express';
import { createClient } from 'redis';
import { maiagentWebhook } from 'maiagent-webhook';
import { RedisStore } from 'maiagent-webhook/redis';

const name = process.env.WORKER_NAME;
// No per-command timeout (node-redis's costs a timer per command): the webhook bounds every store call by timeoutMs.
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', commandOptions: { timeout: 0 } });
// Without a listener node-redis ends the process when Redis goes away (an unhandled 'error' event).
redis.on('error', (error) => console.error(`${name} redis: ${error.message}`));
await redis.connect();

const app = express();
app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN ?? 'example-token',
  store: new RedisStore({ sendCommand: (args) => redis.sendCommand(args) }),
  onMessage: async (message) => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // some work, so the copy arrives while it runs
    console.log(`${name} handled ${message.id}`);
  },
  onRejected: (rejection) => console.log(`${name} answered ${rejection.status} ${rejection.code}`),
}));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
