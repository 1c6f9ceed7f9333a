import express from 'express';
import { Redis } from 'ioredis';
import { maiagentWebhook } from 'maiagent-webhook';
import { RedisStore } from 'maiagent-webhook/redis';

export const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// Without a listener ioredis prints a stack for every failed reconnect: one line each is enough.
redis.on('error', (error) => console.error('redis:', error.message));

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  store: new RedisStore({
    sendCommand: ([command, ...args]) => redis.call(command as string, ...args),
  }),
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));
