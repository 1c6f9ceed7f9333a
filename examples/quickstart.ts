import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    // Forward the assistant's reply to your channel (LINE, web chat, CRM...).
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));

app.listen(3000);
