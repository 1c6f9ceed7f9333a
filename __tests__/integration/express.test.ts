import express from 'express';
import request from 'supertest';
import { maiagentWebhook, type DeliveryContext, type MaiAgentMessage, type Rejection } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { fixture, OTHER_TOKEN, TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

interface Received {
  message: MaiAgentMessage;
  context: DeliveryContext;
}

const received: Received[] = [];
const rejections: Rejection[] = [];
let behaviour: 'resolve' | 'throw' | 'reject' | 'hang' = 'resolve';
let lastSignal: AbortSignal | undefined;

async function onMessage(message: MaiAgentMessage, context: DeliveryContext): Promise<void> {
  lastSignal = context.signal;
  if (behaviour === 'throw') throw new Error(`secret detail ${TOKEN} at handler`);
  if (behaviour === 'reject') return Promise.reject(new Error('database is down'));
  if (behaviour === 'hang') {
    await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    return;
  }
  received.push({ message, context });
}

const options = { authToken: TOKEN, onMessage, onRejected: (r: Rejection) => void rejections.push(r) };

function buildApp(): express.Express {
  const app = express();
  app.post('/webhook', maiagentWebhook(options));
  app.post('/rotation', maiagentWebhook({ ...options, authToken: [TOKEN, OTHER_TOKEN] }));
  app.post('/small', maiagentWebhook({ ...options, limit: '1kb' }));
  app.post('/quick', maiagentWebhook({ ...options, timeoutMs: 50 }));
  app.post('/after-json', express.json(), maiagentWebhook(options));
  app.post('/after-raw', express.raw({ type: '*/*' }), maiagentWebhook(options));
  app.post('/after-text', express.text({ type: '*/*' }), maiagentWebhook(options));
  app.use('/mounted', maiagentWebhook(options));
  return app;
}

let server: RunningServer;
beforeAll(async () => {
  server = await listenOnLoopback(buildApp());
});
afterAll(() => server.close());
beforeEach(() => {
  received.length = 0;
  rejections.length = 0;
  behaviour = 'resolve';
  lastSignal = undefined;
});

function post(path: string, body: unknown = buildMaiAgentDelivery()) {
  return request(server.url)
    .post(path)
    .set('authorization', `Bearer ${TOKEN}`)
    .set('content-type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('a valid delivery', () => {
  it('answers exactly 200 with the body MaiAgent documents, after the callback resolves', async () => {
    const delivery = buildMaiAgentDelivery();
    const response = await post('/webhook', delivery);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: 'Webhook received successfully' });
    expect(received.map((r) => r.message.id)).toEqual([delivery.id]);
  });

  it('hands the callback the typed message, the raw body and an AbortSignal', async () => {
    const text = JSON.stringify(buildMaiAgentDelivery({ content: '多語言 ✓' }));
    await post('/webhook', text).expect(200);
    const [{ message, context }] = received as [Received];
    expect(message.content).toBe('多語言 ✓');
    expect(context.rawBody).toBe(text);
    expect(context.signal).toBeInstanceOf(AbortSignal);
    expect(context.signal.aborted).toBe(false);
    expect(context.platform).toBe('maiagent');
  });
});

describe('authentication', () => {
  it('answers 401 with a challenge and never calls back when the token is missing', async () => {
    const response = await request(server.url)
      .post('/webhook')
      .set('content-type', 'application/json')
      .send(JSON.stringify(buildMaiAgentDelivery()));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(received).toHaveLength(0);
  });

  it('answers 401 for a wrong token in the header or in the query', async () => {
    await post('/webhook').set('authorization', 'Bearer wrong').expect(401);
    await request(server.url).post('/webhook?token=wrong').set('content-type', 'application/json').send('{}').expect(401);
    expect(received).toHaveLength(0);
  });

  it('accepts the token from the query parameter, which is all MaiAgent’s admin page can carry', async () => {
    await request(server.url)
      .post(`/webhook?token=${encodeURIComponent(TOKEN)}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify(buildMaiAgentDelivery()))
      .expect(200);
    expect(received).toHaveLength(1);
  });

  it('accepts every token of a rotation list', async () => {
    await post('/rotation').set('authorization', `Bearer ${OTHER_TOKEN}`).expect(200);
    await post('/rotation').set('authorization', `Bearer ${TOKEN}`).expect(200);
    await post('/rotation').set('authorization', 'Bearer neither').expect(401);
    expect(received).toHaveLength(2);
  });
});

describe('method', () => {
  it('answers 405 with Allow: POST when mounted with app.use and reached by GET', async () => {
    const response = await request(server.url).get(`/mounted?token=${TOKEN}`);
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(received).toHaveLength(0);
  });

  it('still serves POST through app.use', async () => {
    await post('/mounted').expect(200);
    expect(received).toHaveLength(1);
  });
});

describe('body', () => {
  it('answers 415 to a body that is not JSON', async () => {
    await post('/webhook').set('content-type', 'text/plain').expect(415);
    await post('/webhook').set('content-type', 'application/json; charset=latin1').expect(415);
  });

  it('answers 413 to a body over the limit', async () => {
    const big = buildMaiAgentDelivery({ content: 'x'.repeat(2048) });
    await post('/small', big).expect(413);
    expect(received).toHaveLength(0);
  });

  it('accepts a reply far over express.json()’s 100 kB default under the default 1 MB limit', async () => {
    const citations = Array.from({ length: 50 }, (_, i) => ({ id: `f${i}`, filename: `doc-${i}.pdf`, size: 4096, status: 'done' }));
    const large = buildMaiAgentDelivery({ content: '長'.repeat(100_000), citations });
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(300_000);
    await post('/webhook', large).expect(200);
    expect(received).toHaveLength(1);
  });

  it('answers 400 to an empty body and to a body that is not JSON', async () => {
    expect((await post('/webhook', '')).body.error).toBe('empty_body');
    expect((await post('/webhook', '{"id": ')).body.error).toBe('invalid_json');
    expect(received).toHaveLength(0);
  });

  it.each(['/after-json', '/after-raw', '/after-text'])('works behind a body parser that already read the body (%s)', async (path) => {
    const delivery = buildMaiAgentDelivery();
    await post(path, delivery).expect(200);
    expect(received.map((r) => r.message.id)).toEqual([delivery.id]);
  });
});

describe('validation', () => {
  it('answers 422 listing the JSON pointers at fault, without echoing the payload', async () => {
    const secretContent = 'PRIVATE-CUSTOMER-TEXT';
    const response = await post('/webhook', { content: secretContent, conversation: 42, created_at: 'yesterday' });
    expect(response.status).toBe(422);
    expect(response.body.error).toBe('invalid_payload');
    const paths = (response.body.problems as { path: string }[]).map((p) => p.path).sort();
    expect(paths).toEqual(['/conversation', '/created_at', '/id']);
    expect(response.text).not.toContain(secretContent);
    expect(response.text).not.toContain('yesterday');
    expect(received).toHaveLength(0);
  });

  it.each([
    ['the English doc example', 'maiagent/docs-example-en.json'],
    ['the Chinese doc example (avatar not a URL)', 'maiagent/docs-example-zh.json'],
    ['the camelCase C# example with a 2024 citation', 'maiagent/examples-csharp-camelcase.json'],
  ])('accepts %s', async (_name, file) => {
    await post('/webhook', fixture(file)).expect(200);
    expect(received).toHaveLength(1);
  });
});

describe('callback failures', () => {
  it('answers 500 with a generic body when the callback throws: no message, no stack, no token', async () => {
    behaviour = 'throw';
    const response = await post('/webhook');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'handler_failed', message: 'Delivery could not be processed' });
    expect(response.text).not.toMatch(/secret detail|at handler|Error/);
  });

  it('answers 500 when the callback rejects', async () => {
    behaviour = 'reject';
    const response = await post('/webhook');
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('database is down');
  });

  it('answers 503 with Retry-After when the callback outlives timeoutMs, and aborts its signal', async () => {
    behaviour = 'hang';
    const response = await post('/quick');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(lastSignal?.aborted).toBe(true);
  });
});

describe('onRejected', () => {
  it('hears every non-2xx outcome with a stable code, the status and the raw body, never the token', async () => {
    const invalidBody = JSON.stringify({ id: 'x' });
    await post('/webhook', invalidBody).expect(422);
    behaviour = 'throw';
    const failing = JSON.stringify(buildMaiAgentDelivery());
    await post('/webhook', failing).expect(500);
    await post('/webhook').set('authorization', 'Bearer nope').expect(401);

    expect(rejections.map((r) => [r.code, r.status])).toEqual([
      ['invalid_payload', 422],
      ['handler_failed', 500],
      ['unauthorized', 401],
    ]);
    expect(rejections[0]?.rawBody).toBe(invalidBody);
    expect(rejections[1]?.rawBody).toBe(failing);
    expect(rejections[1]?.error).toBeInstanceOf(Error);
    // The handler's own error carries the token here on purpose: it is the user's, passed back only to the user.
    const { error: _ownError, ...fromThePackage } = rejections[1] as Rejection;
    expect(JSON.stringify([rejections[0], fromThePackage, rejections[2]])).not.toContain(TOKEN);
  });

  it('a throwing onRejected hook does not change the answer or crash the process', async () => {
    const app = express();
    app.post('/w', maiagentWebhook({ authToken: TOKEN, onMessage, onRejected: () => { throw new Error('hook bug'); } }));
    const local = await listenOnLoopback(app);
    try {
      await request(local.url).post('/w').set('content-type', 'application/json').send('{}').expect(401);
    } finally {
      await local.close();
    }
  });
});
