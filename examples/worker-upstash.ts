// A Cloudflare Worker whose dedupe every isolate and every location shares: Upstash Redis over HTTP.
import { Redis } from '@upstash/redis/cloudflare';
import { maiagentWebhook } from 'maiagent-webhook/fetch';
import { RedisStore } from 'maiagent-webhook/redis';

interface Env {
  MAIAGENT_WEBHOOK_TOKEN: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
}

let webhook: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    // Secrets arrive with the first request: build the handler then, once per isolate.
    webhook ??= maiagentWebhook({
      authToken: env.MAIAGENT_WEBHOOK_TOKEN,
      store: new RedisStore({
        // Replies as Redis sends them (no JSON parsing of values); `exec` sends one command.
        sendCommand: (args) => upstash(env).exec(args as [string, ...string[]]),
      }),
      onMessage: async (message) => {
        console.log(`[${message.conversation}] ${message.content}`);
      },
    });
    return webhook(request);
  },
};

let client: Redis | undefined;
const upstash = (env: Env) =>
  (client ??= new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false }));
