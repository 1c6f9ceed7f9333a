import express from 'express';
import { gptbotsWebhook } from 'maiagent-webhook';

const app = express();

app.post('/gptbots/webhook', gptbotsWebhook({
  authToken: process.env.GPTBOTS_WEBHOOK_TOKEN,
  onMessage: async (message, { reply }) => {
    // V1 and V2 both arrive; `reply` reads the same for either (and for MaiAgent).
    const tokens = message.version === 2 ? message.usage?.tokens : undefined;
    console.log(`[${reply.conversationId}] ${reply.text}`, tokens ?? '');
  },
}));

app.listen(3000);
