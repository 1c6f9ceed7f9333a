// Hono hands the handler the standard Request as `c.req.raw`; on Node through @hono/node-server, on Bun directly.
import { Hono } from 'hono';
import { route, webhook } from './webhook.mjs';

const app = new Hono();
app.post('/maiagent/webhook', (c) => (c.req.query('calls') === undefined ? webhook(c.req.raw) : route(c.req.raw)));

if (typeof Bun !== 'undefined') {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: app.fetch });
  console.log(`listening ${server.port}`);
} else {
  const { serve } = await import('@hono/node-server');
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`listening ${info.port}`));
}
