// A Cloudflare Worker (ES module syntax). Workers hand secrets to fetch(request, env, ctx) rather than process.env,
// so the webhook is made on the first request; ctx lets it finish a delivery's work after the answer.
import { maiagentWebhook, type FetchWebhookHandler } from 'maiagent-webhook/fetch';

interface Env {
  MAIAGENT_WEBHOOK_TOKEN: string;
}

let webhook: FetchWebhookHandler | undefined;

export default {
  fetch(request: Request, env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response> {
    webhook ??= maiagentWebhook({
      authToken: env.MAIAGENT_WEBHOOK_TOKEN,
      onMessage: async (message) => {
        console.log(`[${message.conversation}] ${message.content}`);
      },
    });
    return webhook(request, env, ctx);
  },
};
