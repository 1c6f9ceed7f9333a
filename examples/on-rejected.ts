import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
  onRejected: ({ status, code, problems }) => {
    // A 401: the token in MaiAgent's webhook URL is not this server's. A 422: `problems` names the fields.
    console.warn(`maiagent delivery refused: ${status} ${code}`, problems ?? []);
  },
}));
