// Hono on Node.js, served by @hono/node-server. c.req.raw is the standard Request, its body still unread.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { maiagentWebhook } from 'maiagent-webhook/fetch';

const webhook = maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});

const app = new Hono();
app.post('/maiagent/webhook', (c) => webhook(c.req.raw));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
  console.log(`Listening on http://localhost:${info.port}`);
});
