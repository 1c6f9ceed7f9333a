import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

export const app = express();

// An existing API that parses JSON for every route: raise its limit, or the
// platform's larger replies are refused with 413 before the webhook runs.
app.use(express.json({ limit: '1mb' }));

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message, { signal }) => {
    await fetch('https://chat.example.com/api/replies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation: message.conversation, text: message.content }),
      signal, // aborted when timeoutMs passes
    });
  },
  onRejected: (rejection) => {
    console.warn(`maiagent delivery refused: ${rejection.status} ${rejection.code}`);
  },
}));
