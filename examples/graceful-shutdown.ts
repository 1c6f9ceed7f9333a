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
  await webhook.close(); // new deliveries now get 503 (MaiAgent retries later); waits for running callbacks
  server.close();
});
