import express from 'express';
import { createCluster } from 'redis';
import { maiagentWebhook } from 'maiagent-webhook';
import { commandKey, RedisStore } from 'maiagent-webhook/redis';

// One node is enough (comma-separate several, so that starting needs any one of them): the client learns the others.
export const redis = createCluster({
  rootNodes: (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').split(',').map((url) => ({ url })),
});
// Without a listener, a node going away ends the process (an unhandled 'error' event).
redis.on('error', (error: Error) => console.error('redis:', error.message));
redis.connect().catch((error: Error) => console.error('redis:', error.message));

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  // Each command goes to the shard of its key (an EVAL's key is not its first argument: commandKey knows where).
  store: new RedisStore({ sendCommand: (args) => redis.sendCommand(commandKey(args), false, args) }),
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));
