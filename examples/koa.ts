import Koa from 'koa';
import { maiagentWebhook } from 'maiagent-webhook/koa';

export const app = new Koa();

const webhook = maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});

// With @koa/router: router.post('/maiagent/webhook', webhook). Behind a body parser it takes ctx.request.rawBody.
app.use((ctx, next) => (ctx.method === 'POST' && ctx.path === '/maiagent/webhook' ? webhook(ctx) : next()));
