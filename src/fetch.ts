// maiagent-webhook/fetch: `(request: Request) => Promise<Response>` for Next.js route handlers, Hono, Bun, Deno and
// Cloudflare Workers. No eval or new Function anywhere on its path (Workers forbid code generation).
import { fetchHandler, presetFactories } from './runtime';

export type { ExecutionContextLike, FetchWebhookHandler } from './adapters/fetch';
export const { maiagentWebhook, gptbotsWebhook } = presetFactories(fetchHandler);
export * from './public-types';
