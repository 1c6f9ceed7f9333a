import Fastify from 'fastify';
import { maiagentWebhook } from 'maiagent-webhook/fastify';

export const app = Fastify();

// The route's path is the plugin's prefix; the rest of the app keeps Fastify's own JSON parser and bodyLimit.
app.register(maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
}), { prefix: '/maiagent/webhook' });
