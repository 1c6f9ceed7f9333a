// One behaviour suite, every status of the documented table, for both presets on all three runtimes.
import type { RequestListener } from 'node:http';
import express from 'express';
// Express 4, installed under the alias "express4" (package.json), next to Express 5.
import express4 from 'express4';
import * as expressEntry from 'maiagent-webhook';
import * as nodeEntry from 'maiagent-webhook/node';
import * as fetchEntry from 'maiagent-webhook/fetch';
import * as fastifyEntry from 'maiagent-webhook/fastify';
import * as koaEntry from 'maiagent-webhook/koa';
import Fastify from 'fastify';
import Koa from 'koa';
// Koa 2, installed under the alias "koa2" (package.json), next to Koa 3.
import Koa2 from 'koa2';
import { NestFactory } from '@nestjs/core';
import { emptyNestModule } from '../support/nest';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import type { DeliveryContext, GptBotsMessage, MaiAgentMessage, Rejection, WebhookOptions } from 'maiagent-webhook';
import { OTHER_TOKEN, TOKEN } from '../support/fixtures';
import { listenOnLoopback } from '../support/server';

type FactoryName = 'maiagentWebhook' | 'gptbotsWebhook';
/** Options that suit either factory: what the suite passes is platform-neutral. */
type AnyOptions = WebhookOptions<MaiAgentMessage> & WebhookOptions<GptBotsMessage>;

interface Sent {
  method?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
}

interface Endpoint {
  send(request: Sent): Promise<Response>;
  close(): Promise<void>;
}

interface AdapterCase {
  name: string;
  start(factory: FactoryName, options: AnyOptions): Promise<Endpoint>;
}

/** Sends over real HTTP to a loopback server; a stream body goes out chunked, with no Content-Length. */
async function overHttp(listener: RequestListener): Promise<Endpoint> {
  const server = await listenOnLoopback(listener);
  return {
    send: ({ method = 'POST', query = '', headers = {}, body }) =>
      fetch(`${server.url}/hook${query}`, { method, headers, body: body ?? null, duplex: 'half' } as RequestInit),
    close: () => server.close(),
  };
}


const expressAdapter = (name: string, createApp: () => express.Express): AdapterCase => ({
  name,
  start: async (factory, options) => {
    const app = createApp();
    // Mounted with app.use, so other methods reach it too and must get 405.
    app.use('/hook', expressEntry[factory](options));
    return overHttp(app);
  },
});

// Mounted as users mount it without a router.
const koaAdapter = (name: string, KoaOf: typeof Koa): AdapterCase => ({
  name,
  start: async (factory, options) => {
    const app = new KoaOf();
    const webhook = koaEntry[factory](options);
    app.use((ctx, next) => (ctx.path === '/hook' ? webhook(ctx) : next()));
    return overHttp(app.callback());
  },
});

const adapters: AdapterCase[] = [
  expressAdapter('express 5', express),
  expressAdapter('express 4', express4),
  {
    name: 'fastify',
    start: async (factory, options) => {
      const app = Fastify();
      app.register(fastifyEntry[factory](options), { prefix: '/hook' });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address() as { port: number };
      return {
        send: ({ method = 'POST', query = '', headers = {}, body }) =>
          fetch(`http://127.0.0.1:${address.port}/hook${query}`, { method, headers, body: body ?? null, duplex: 'half' } as RequestInit),
        close: () => app.close(),
      };
    },
  },
  koaAdapter('koa 3', Koa),
  koaAdapter('koa 2', Koa2),
  {
    // The README's NestJS recipe: app.use() before listen(), so Express runs it ahead of Nest's own body parser.
    name: 'nestjs',
    start: async (factory, options) => {
      const app = await NestFactory.create(emptyNestModule(), { logger: false });
      app.use('/hook', expressEntry[factory](options));
      await app.init();
      const endpoint = await overHttp(app.getHttpAdapter().getInstance());
      return { send: endpoint.send, close: async () => { await endpoint.close(); await app.close(); } };
    },
  },
  { name: 'node:http', start: async (factory, options) => overHttp(nodeEntry[factory](options)) },
  {
    name: 'fetch',
    start: async (factory, options) => {
      const handler = fetchEntry[factory](options);
      return {
        send: ({ method = 'POST', query = '', headers = {}, body }) =>
          handler(new Request(`http://127.0.0.1/hook${query}`, { method, headers, body: body ?? null, duplex: 'half' } as RequestInit)),
        close: async () => {},
      };
    },
  },
];

interface PresetCase {
  factory: FactoryName;
  delivery(): Record<string, unknown>;
  idOf(delivery: Record<string, unknown>): unknown;
  ack: unknown;
  /** A JSON object that is not a usable delivery, and the pointers the 422 must name. */
  invalid: { body: Record<string, unknown>; paths: string[] };
}

const presets: PresetCase[] = [
  {
    factory: 'maiagentWebhook',
    delivery: () => ({ ...buildMaiAgentDelivery() }),
    idOf: (d) => d.id,
    ack: { message: 'Webhook received successfully' },
    invalid: { body: { id: 7.5, content: 'PRIVATE-TEXT', conversation: 'c', created_at: '1728219442000' }, paths: ['/id'] },
  },
  {
    factory: 'gptbotsWebhook',
    delivery: () => ({ ...buildGptBotsDelivery() }),
    idOf: (d) => d.message_id,
    ack: { code: 200, msg: 'success' },
    invalid: { body: { message_id: '', conversation_id: 'PRIVATE-TEXT', create_time: 'soon', output: 3 }, paths: ['/message_id', '/output'] },
  },
];

const json = { 'content-type': 'application/json' };
const bearer = { ...json, authorization: `Bearer ${TOKEN}` };
const encoder = new TextEncoder();

function streamOf(...parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

describe.each(adapters)('$name adapter', (adapter) => {
  describe.each(presets)('$factory', (preset) => {
    type Behaviour = 'resolve' | 'throw' | 'hang';
    let behaviour: Behaviour;
    const calls: { message: Record<string, unknown>; context: DeliveryContext }[] = [];
    const rejections: Rejection[] = [];
    let endpoint: Endpoint;

    const onMessage = async (message: Record<string, unknown>, context: DeliveryContext): Promise<void> => {
      calls.push({ message, context });
      if (behaviour === 'throw') throw new Error(`stack and ${TOKEN}`);
      if (behaviour === 'hang') await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    };

    beforeAll(async () => {
      endpoint = await adapter.start(preset.factory, {
        authToken: [TOKEN, OTHER_TOKEN],
        onMessage,
        onRejected: (rejection: Rejection) => void rejections.push(rejection),
        limit: '64kb',
        timeoutMs: 100,
      });
    });
    afterAll(() => endpoint.close());
    beforeEach(() => {
      behaviour = 'resolve';
      calls.length = 0;
      rejections.length = 0;
    });

    const deliver = (body: unknown, headers: Record<string, string> = bearer, query = '') =>
      endpoint.send({ headers, query, body: typeof body === 'string' ? body : JSON.stringify(body) });

    it('200 with the platform’s ack body; the callback gets the message, the raw body, the reply view and a signal', async () => {
      const delivery = preset.delivery();
      const response = await deliver(delivery);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(preset.ack);
      expect(calls).toHaveLength(1);
      const [{ message, context }] = calls as [(typeof calls)[number]];
      expect(preset.idOf(message)).toBe(preset.idOf(delivery));
      expect(context.rawBody).toBe(JSON.stringify(delivery));
      expect(context.reply.id).toBe(preset.idOf(delivery));
      expect(context.signal.aborted).toBe(false);
    });

    it('200 for a body sent chunked, without Content-Length', async () => {
      const response = await endpoint.send({ headers: bearer, body: streamOf(encoder.encode(JSON.stringify(preset.delivery()))) });
      expect(response.status).toBe(200);
    });

    it('200 for the token in the query, and for each token of the rotation', async () => {
      expect((await deliver(preset.delivery(), json, `?token=${TOKEN}`)).status).toBe(200);
      expect((await deliver(preset.delivery(), { ...json, authorization: `Bearer ${OTHER_TOKEN}` })).status).toBe(200);
      expect(calls).toHaveLength(2);
    });

    it('401 with WWW-Authenticate for a missing or wrong token; the callback is not called', async () => {
      const missing = await deliver(preset.delivery(), json);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect((await deliver(preset.delivery(), { ...json, authorization: 'Bearer nope' })).status).toBe(401);
      expect((await deliver(preset.delivery(), json, '?token=nope')).status).toBe(401);
      expect(calls).toHaveLength(0);
    });

    it('405 with Allow: POST for another method', async () => {
      const response = await endpoint.send({ method: 'GET', query: `?token=${TOKEN}` });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('415 when the body is not declared as JSON', async () => {
      expect((await deliver(preset.delivery(), { ...bearer, 'content-type': 'text/plain' })).status).toBe(415);
    });

    it('413 over the limit, by Content-Length and while reading a chunked body', async () => {
      const big = JSON.stringify({ ...preset.delivery(), padding: 'x'.repeat(70 * 1024) });
      expect((await deliver(big)).status).toBe(413);
      const chunked = await endpoint.send({ headers: bearer, body: streamOf(...Array.from({ length: 20 }, () => new Uint8Array(8 * 1024).fill(32))) });
      expect(chunked.status).toBe(413);
      expect(calls).toHaveLength(0);
    });

    it('400 for an empty body and for a body that is not JSON', async () => {
      const empty = await deliver('');
      expect([empty.status, (await empty.json()).error]).toEqual([400, 'empty_body']);
      const broken = await deliver('{"not json');
      expect([broken.status, (await broken.json()).error]).toEqual([400, 'invalid_json']);
    });

    it('422 naming the JSON pointers at fault, without echoing the payload', async () => {
      const response = await deliver(preset.invalid.body);
      expect(response.status).toBe(422);
      const text = await response.text();
      expect(JSON.parse(text).problems.map((p: { path: string }) => p.path).sort()).toEqual(preset.invalid.paths);
      expect(text).not.toContain('PRIVATE-TEXT');
    });

    it('500 with a generic body when the callback throws', async () => {
      behaviour = 'throw';
      const response = await deliver(preset.delivery());
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'handler_failed', message: 'Delivery could not be processed' });
    });

    it('503 with Retry-After when the callback outlives timeoutMs; its signal aborts with a TimeoutError', async () => {
      behaviour = 'hang';
      const response = await deliver(preset.delivery());
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(calls[0]?.context.signal.aborted).toBe(true);
      expect(calls[0]?.context.signal.reason).toMatchObject({ name: 'TimeoutError' });
    });

    it('every non-2xx outcome reaches onRejected with its code and status, and no response or hook argument holds the token', async () => {
      const responses = [
        await deliver(preset.delivery(), json),
        await endpoint.send({ method: 'PUT', query: `?token=${TOKEN}` }),
        await deliver('', bearer, `?token=${TOKEN}`),
        await deliver(preset.invalid.body),
      ];
      behaviour = 'throw';
      responses.push(await deliver(preset.delivery()));
      expect(rejections.map((r) => `${r.status} ${r.code}`)).toEqual([
        '401 unauthorized', '405 method_not_allowed', '400 empty_body', '422 invalid_payload', '500 handler_failed',
      ]);
      const texts = await Promise.all(responses.map((r) => r.text()));
      // The callback's own error is the user's, handed back to the user: everything else must be token-free.
      const fromThePackage = rejections.map(({ error: _own, ...rest }) => rest);
      expect(JSON.stringify([texts, fromThePackage])).not.toContain(TOKEN);
    });
  });

  describe('gptbotsWebhook specifics', () => {
    const calls: unknown[] = [];
    let endpoint: Endpoint;
    beforeAll(async () => {
      endpoint = await adapter.start('gptbotsWebhook', { authToken: TOKEN, onMessage: (m: unknown) => void calls.push(m) });
    });
    afterAll(() => endpoint.close());
    beforeEach(() => {
      calls.length = 0;
    });

    it('answers an availability probe (istest: true) with 200 and never calls back', async () => {
      const response = await endpoint.send({ headers: bearer, body: JSON.stringify({ istest: true }) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ code: 200, msg: 'success' });
      expect(calls).toHaveLength(0);
    });

    it('still requires the token for a probe', async () => {
      expect((await endpoint.send({ headers: json, body: JSON.stringify({ istest: true }) })).status).toBe(401);
    });

    it('accepts Authorization: Basic <token> as GPTBots documents it', async () => {
      const response = await endpoint.send({ headers: { ...json, authorization: `Basic ${TOKEN}` }, body: JSON.stringify(buildGptBotsDelivery()) });
      expect(response.status).toBe(200);
      expect(calls).toHaveLength(1);
    });
  });
});
