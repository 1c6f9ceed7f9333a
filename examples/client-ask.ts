import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';
import { createMaiAgentClient, ReplyHub } from 'maiagent-webhook/client';

const maiagent = createMaiAgentClient({ apiKey: process.env.MAIAGENT_API_KEY ?? '', baseUrl: process.env.MAIAGENT_API_BASE_URL });
const replies = new ReplyHub();

export const app = express();

// The webhook publishes each delivered reply to the hub (and to onMessage, as always).
app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  replies,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}));

// Your own endpoint: send the user's message, answer with the assistant's reply.
app.post('/chat/:conversation', express.json(), async (req, res) => {
  const { text } = req.body as { text: string };
  const { delivered } = await maiagent.ask({ conversation: req.params.conversation, content: text }, { replies, timeoutMs: 60_000 });
  res.json({ text: delivered.content });
});
