// Bun: bun run bun.ts. Bun.serve's routes send /maiagent/webhook to the webhook; any other path is answered 404.
import { maiagentWebhook } from 'maiagent-webhook/fetch';

const webhook = maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  routes: { '/maiagent/webhook': (request) => webhook(request) },
});
console.log(`Listening on ${server.url}`);

// The one member of Bun's global used here, so that this file type-checks without @types/bun too (which a Bun
// project has: `bun init` adds it).
declare const Bun: {
  serve(options: { port: number; routes: Record<string, (request: Request) => Promise<Response>> }): { url: URL };
};
