// app/maiagent/webhook/route.ts in a Next.js app (App Router)
import { maiagentWebhook } from 'maiagent-webhook/fetch';

export const POST = maiagentWebhook({
  authToken: () => process.env.MAIAGENT_WEBHOOK_TOKEN, // read at the first request: `next build` runs without it
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});
