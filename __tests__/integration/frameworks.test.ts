// What the Fastify and Koa entries must get right beyond the behaviour suite: a body a framework's parser already
// read, and the parsers of the rest of the app left alone.
import Fastify from 'fastify';
import Koa from 'koa';
// Koa 2, installed under the alias "koa2" (package.json), next to Koa 3.
import Koa2 from 'koa2';
import { bodyParser } from '@koa/bodyparser';
import * as fastifyEntry from 'maiagent-webhook/fastify';
import * as koaEntry from 'maiagent-webhook/koa';
import type { DeliveryContext, MaiAgentMessage } from 'maiagent-webhook';
import { MemoryStore } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { TOKEN } from '../support/fixtures';
import { emptyNestModule } from '../support/nest';
import { listenOnLoopback } from '../support/server';

const post = (url: string, body: string, contentType = 'application/json') =>
  fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType }, body });

describe.each([
  ['koa 3', Koa],
  ['koa 2', Koa2],
])('%s behind @koa/bodyparser', (_version, KoaOf) => {
  it('takes the exact text the parser kept (ctx.request.rawBody), and holds it to its own limit', async () => {
    const received: [MaiAgentMessage, DeliveryContext][] = [];
    const app = new KoaOf();
    app.use(bodyParser());
    const webhook = koaEntry.maiagentWebhook({ authToken: TOKEN, limit: 1000, onMessage: (message, context) => void received.push([message, context]) });
    app.use((ctx, next) => (ctx.path === '/hook' ? webhook(ctx) : next()));
    const server = await listenOnLoopback(app.callback());
    try {
      // Spacing that a re-serialization would lose: the callback must see the bytes as sent.
      const text = JSON.stringify(buildMaiAgentDelivery(), null, 2);
      expect((await post(`${server.url}/hook`, text)).status).toBe(200);
      expect(received[0]?.[1].rawBody).toBe(text);
      expect((await post(`${server.url}/hook`, JSON.stringify(buildMaiAgentDelivery({ content: 'x'.repeat(2000) })))).status).toBe(413);
    } finally {
      await server.close();
    }
  });
});

describe('fastify plugin', () => {
  it('reads the body itself inside its prefix, while the rest of the app keeps Fastify’s JSON parser and limit', async () => {
    const received: string[] = [];
    const app = Fastify({ bodyLimit: 100 });
    app.register(fastifyEntry.maiagentWebhook({ authToken: TOKEN, onMessage: (_message, { rawBody }) => void received.push(rawBody) }), { prefix: '/maiagent/webhook' });
    app.post('/api/echo', async (request) => request.body);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const text = JSON.stringify(buildMaiAgentDelivery({ content: 'y'.repeat(500) }), null, 1);
      expect((await post(`${base}/maiagent/webhook`, text)).status).toBe(200);
      expect(received).toEqual([text]);
      const echoed = await post(`${base}/api/echo`, '{"a":1}');
      expect(await echoed.json()).toEqual({ a: 1 });
      expect((await post(`${base}/api/echo`, JSON.stringify({ a: 'z'.repeat(200) }))).status).toBe(413);
    } finally {
      await app.close();
    }
  });
});

describe('fastify plugin and app.close()', () => {
  it('app.close() closes the webhook: it resolves only once a callback that outlived timeoutMs has settled and its claim is recorded', async () => {
    const events: string[] = [];
    let finish!: () => void;
    const store = new MemoryStore();
    const recording = { claim: store.claim.bind(store), complete: (key: string, attempt: string) => { events.push('complete'); return store.complete(key, attempt); }, release: store.release.bind(store) };
    const app = Fastify();
    app.register(fastifyEntry.maiagentWebhook({ authToken: TOKEN, timeoutMs: 50, store: recording, log: false, onMessage: () => new Promise<void>((resolve) => (finish = resolve)) }), { prefix: '/maiagent/webhook' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    expect((await post(`${base}/maiagent/webhook`, JSON.stringify(buildMaiAgentDelivery()))).status).toBe(503);
    const closed = app.close().then(() => void events.push('app closed'));
    // Long enough for a close that does not wait to be over.
    await new Promise((resolve) => setTimeout(resolve, 200));
    finish();
    await closed;
    expect(events).toEqual(['complete', 'app closed']);
  });

  it('webhook.close({ timeoutMs }), then app.close(): the app closes although a callback never settles', async () => {
    const webhook = fastifyEntry.maiagentWebhook({ authToken: TOKEN, timeoutMs: 50, log: false, onMessage: () => new Promise<void>(() => {}) });
    const app = Fastify();
    app.register(webhook, { prefix: '/maiagent/webhook' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    expect((await post(`${base}/maiagent/webhook`, JSON.stringify(buildMaiAgentDelivery()))).status).toBe(503);
    await webhook.close({ timeoutMs: 50 });
    const closed = await Promise.race([app.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still closing'), 3000))]);
    expect(closed).toBe('closed');
  });
});

describe('the README recipes, run as shown', () => {
  const large = () => buildMaiAgentDelivery({ content: '長'.repeat(60_000) }); // about 180 kB: past Nest's and Koa parsers' defaults
  let log: jest.SpyInstance;
  beforeAll(() => {
    process.env.MAIAGENT_WEBHOOK_TOKEN = TOKEN;
    log = jest.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterAll(() => {
    delete process.env.MAIAGENT_WEBHOOK_TOKEN;
    log.mockRestore();
  });

  it('fastify', async () => {
    const { app } = await import('../../examples/fastify');
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      expect((await post(`${base}/maiagent/webhook`, JSON.stringify(large()))).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('koa', async () => {
    const { app } = await import('../../examples/koa');
    const server = await listenOnLoopback(app.callback());
    try {
      expect((await post(`${server.url}/maiagent/webhook`, JSON.stringify(large()))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('nestjs: a reply over Nest’s 100 kB parser limit still arrives', async () => {
    const { start } = await import('../../examples/nestjs');
    const app = await start(emptyNestModule(), 0);
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await post(`${url}/maiagent/webhook`, JSON.stringify(large()))).status).toBe(200);
      expect(log.mock.calls.some(([line]) => String(line).includes('長長長'))).toBe(true);
    } finally {
      await app.close();
    }
  });
});
