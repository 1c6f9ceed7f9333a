const express = require('express');
const { maiagentWebhook } = require('maiagent-webhook');

const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));

app.listen(3000);
