import { createServer } from 'node:http';
import { maiagentWebhook } from 'maiagent-webhook/node';

const webhook = maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});

const server = createServer((req, res) => {
  if (req.url?.startsWith('/maiagent/webhook')) return webhook(req, res);
  res.writeHead(404).end();
});

server.listen(3000);
