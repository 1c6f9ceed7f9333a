import express from 'express';
import { Queue } from 'bullmq';
import { maiagentWebhook } from 'maiagent-webhook';
import { toQueue } from 'maiagent-webhook/bullmq';

export const replies = new Queue('maiagent-replies', {
  // Fail fast when Redis is away: the platform hears 503 and retries, instead of waiting on a reconnect.
  connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', enableOfflineQueue: false },
  defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 5_000 } },
});
// Without a listener BullMQ prints a stack for every failed reconnect: one line each is enough.
replies.on('error', (error) => console.error('queue:', error.message));

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  deliverTo: toQueue(replies), // instead of onMessage: 200 once Redis holds the job
}));
