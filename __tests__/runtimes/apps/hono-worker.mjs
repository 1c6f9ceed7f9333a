// Hono as a Cloudflare Worker, as docs/frameworks.md says: the app is the Worker, and the route hands the webhook
// c.executionCtx, so a delivery's work outlives its answer (the retry after a 503 is then 200, not 409).
import { Hono } from 'hono';
import { route } from './webhook.mjs';

const app = new Hono();
app.post('/maiagent/webhook', (c) => route(c.req.raw, c.executionCtx));

export default app;
