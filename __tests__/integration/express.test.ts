// What only the Express adapter has to get right, on Express 5 and on Express 4 (whose body-parser 1.x leaves
// req.body = {} for a body it did not read); every status is covered over all adapters in behaviour.test.ts.
import express from 'express';
// Express 4, installed under the alias "express4" (package.json), next to Express 5.
import express4 from 'express4';
import request from 'supertest';
import { maiagentWebhook, type MaiAgentMessage } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { fixture, TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

const received: MaiAgentMessage[] = [];
const options = { authToken: TOKEN, onMessage: (message: MaiAgentMessage) => void received.push(message) };

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('%s', (_version, expressOf) => {
  function buildApp(): express.Express {
    const app = expressOf();
    app.post('/webhook', maiagentWebhook(options));
    // The two doc examples share the id "msg123": without dedupe each one reaches the callback.
    app.post('/fixtures', maiagentWebhook({ ...options, store: false }));
    app.post('/after-json', expressOf.json({ limit: '1mb' }), maiagentWebhook(options));
    app.post('/after-default-json', expressOf.json(), maiagentWebhook(options));
    app.post('/after-raw', expressOf.raw({ type: '*/*' }), maiagentWebhook(options));
    app.post('/after-text', expressOf.text({ type: '*/*' }), maiagentWebhook(options));
    app.post('/after-json-other-type', expressOf.json(), maiagentWebhook(options));
    app.post('/after-json-small-limit', expressOf.json({ limit: '1mb' }), maiagentWebhook({ ...options, limit: 1000 }));
    return app;
  }

  let server: RunningServer;
  beforeAll(async () => {
    server = await listenOnLoopback(buildApp());
  });
  afterAll(() => server.close());
  beforeEach(() => {
    received.length = 0;
  });

  function post(path: string, body: unknown = buildMaiAgentDelivery(), contentType = 'application/json') {
    return request(server.url)
      .post(path)
      .set('authorization', `Bearer ${TOKEN}`)
      .set('content-type', contentType)
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  const largeReply = () =>
    buildMaiAgentDelivery({
      content: '長'.repeat(100_000),
      citations: Array.from({ length: 50 }, (_, i) => ({ id: `f${i}`, filename: `doc-${i}.pdf`, size: 4096, status: 'done' })),
    });

  describe('Express adapter', () => {
    it.each(['/after-json', '/after-raw', '/after-text'])('works behind a body parser that already read the body (%s)', async (path) => {
      const delivery = buildMaiAgentDelivery();
      await post(path, delivery).expect(200);
      expect(received.map((m) => m.id)).toEqual([delivery.id]);
    });

    it('holds a body express.json() parsed to the webhook\'s own limit', async () => {
      await post('/after-json-small-limit', buildMaiAgentDelivery({ content: 'x'.repeat(2000) })).expect(413);
      await post('/after-json-small-limit', buildMaiAgentDelivery()).expect(200);
    });

    it('answers 400 empty_body to an empty body behind express.json(), which turned it into {}', async () => {
      const response = await post('/after-json', '').expect(400);
      expect(response.body).toMatchObject({ error: 'empty_body' });
    });

    it('reads the stream itself when an earlier express.json() skipped a body of another type', async () => {
      // body-parser 1.x (Express 4) sets req.body = {} without reading; the webhook must not take that for the delivery.
      await post('/after-json-other-type', buildMaiAgentDelivery(), 'application/vnd.maiagent+json').expect(200);
      expect(received).toHaveLength(1);
    });

    it('accepts a reply far over express.json()’s 100 kB default under its own 1 MB default', async () => {
      const large = largeReply();
      expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(300_000);
      await post('/webhook', large).expect(200);
      await post('/after-json', large).expect(200);
      expect(received).toHaveLength(2);
    });

    it('is refused with 413 by a default express.json() in front, as the README warns', async () => {
      await post('/after-default-json', largeReply()).expect(413);
      expect(received).toHaveLength(0);
    });

    it.each([
      ['the English doc example', 'maiagent/docs-example-en.json'],
      ['the Chinese doc example (avatar not a URL)', 'maiagent/docs-example-zh.json'],
      ['the camelCase C# example with a 2024 citation', 'maiagent/examples-csharp-camelcase.json'],
    ])('accepts %s end to end', async (_name, file) => {
      await post('/fixtures', fixture(file)).expect(200);
      expect(received).toHaveLength(1);
    });

    it('a throwing onRejected hook does not change the answer or crash the process', async () => {
      const app = expressOf();
      app.post('/w', maiagentWebhook({ ...options, onRejected: () => { throw new Error('hook bug'); } }));
      const local = await listenOnLoopback(app);
      try {
        await request(local.url).post('/w').set('content-type', 'application/json').send('{}').expect(401);
      } finally {
        await local.close();
      }
    });

    it('when an earlier middleware has already answered, the sender keeps that answer and nothing is thrown', async () => {
      const failures = jest.fn();
      process.on('unhandledRejection', failures);
      process.on('uncaughtException', failures);
      const app = expressOf();
      app.post('/w', expressOf.json(), (_req, res, next) => {
        res.status(202).json({ early: true });
        next();
      }, maiagentWebhook(options));
      const local = await listenOnLoopback(app);
      try {
        const response = await request(local.url)
          .post('/w')
          .set('authorization', `Bearer ${TOKEN}`)
          .send(buildMaiAgentDelivery());
        expect(response.status).toBe(202);
        expect(response.body).toEqual({ early: true });
        // The webhook still ran (express.json() left it the parsed body) and answered into a response already sent.
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(received).toHaveLength(1);
        expect(failures).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', failures);
        process.off('uncaughtException', failures);
        await local.close();
      }
    });
  });
});

describe('testing.sendDelivery', () => {
  it('returns an answer that is not JSON (an Express 404 page) as text instead of throwing', async () => {
    const { sendDelivery } = await import('maiagent-webhook/testing');
    const server = await listenOnLoopback(express());
    try {
      const sent = await sendDelivery(`${server.url}/no-such-route`, { token: TOKEN });
      expect(sent.status).toBe(404);
      expect(typeof sent.body).toBe('string');
      expect(sent.body).toMatch(/Cannot POST \/no-such-route/);
    } finally {
      await server.close();
    }
  });
});
