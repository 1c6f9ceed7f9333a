// Deno 2, in a project whose package.json lists maiagent-webhook (npm install maiagent-webhook):
//   deno run --allow-net=0.0.0.0 --allow-env=MAIAGENT_WEBHOOK_TOKEN,PORT deno.ts
import { maiagentWebhook } from 'maiagent-webhook/fetch';

const webhook = maiagentWebhook({
  authToken: Deno.env.get('MAIAGENT_WEBHOOK_TOKEN'),
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
});

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 3000) }, (request) =>
  new URL(request.url).pathname === '/maiagent/webhook' ? webhook(request) : new Response('Not found', { status: 404 }),
);

// The two members of Deno's global used here, so that this file type-checks outside Deno too (Deno knows them).
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(options: { port: number }, handler: (request: Request) => Response | Promise<Response>): unknown;
};
