// Named attacks on a public endpoint, each answered with a documented status while the process stays up.
import { connect } from 'node:net';
import express from 'express';
import * as expressEntry from 'maiagent-webhook';
import * as nodeEntry from 'maiagent-webhook/node';
import * as fetchEntry from 'maiagent-webhook/fetch';
import type { MaiAgentMessage, Rejection } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

const received: MaiAgentMessage[] = [];
const rejections: Rejection[] = [];
const options = {
  authToken: TOKEN,
  limit: '64kb',
  bodyTimeoutMs: 300,
  onMessage: (message: MaiAgentMessage) => void received.push(message),
  onRejected: (rejection: Rejection) => void rejections.push(rejection),
};
const webhook = fetchEntry.maiagentWebhook(options);
const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function post(body: BodyInit, headers: Record<string, string> = bearer): Promise<Response> {
  return webhook(new Request('http://127.0.0.1/hook', { method: 'POST', headers, body, duplex: 'half' } as RequestInit));
}

beforeEach(() => {
  received.length = 0;
  rejections.length = 0;
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__', '{"__proto__": {"polluted": "yes"}}'],
    ['constructor.prototype', '{"constructor": {"prototype": {"polluted": "yes"}}}'],
    ['prototype', '{"prototype": {"polluted": "yes"}}'],
  ])('a %s key pollutes neither Object.prototype nor the message', async (_name, extra) => {
    const base = JSON.stringify(buildMaiAgentDelivery());
    const response = await post(`${base.slice(0, -1)},${extra.slice(1)}`);
    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [message] = received as [MaiAgentMessage];
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect((message as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(message.sender)).toBe(Object.prototype);
  });
});

describe('bounded work', () => {
  it('refuses deeply nested JSON with 422, whether it came as a stream or through express.json()', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const body = JSON.stringify({ ...buildMaiAgentDelivery(), extra: 'X' }).replace('"X"', deep);
    const response = await post(body);
    expect(response.status).toBe(422);
    expect((await response.json()).problems).toEqual([{ path: '', message: 'nests deeper than 32 levels' }]);

    const app = express();
    app.post('/hook', express.json({ limit: '1mb' }), expressEntry.maiagentWebhook(options));
    const server = await listenOnLoopback(app);
    try {
      const viaExpress = await fetch(`${server.url}/hook`, { method: 'POST', headers: bearer, body });
      expect(viaExpress.status).toBe(422);
    } finally {
      await server.close();
    }
    expect(received).toHaveLength(0);
  });

  it('refuses an over-long id, and bounds every list a delivery holds', async () => {
    expect((await post(JSON.stringify(buildMaiAgentDelivery({ id: 'x'.repeat(257) })))).status).toBe(422);
    const citations = Array.from({ length: 1001 }, () => ({}));
    const response = await post(JSON.stringify(buildMaiAgentDelivery({ citations })));
    expect(response.status).toBe(422);
    expect((await response.json()).problems).toEqual([{ path: '/citations', message: 'must NOT have more than 1000 items' }]);
  });

  it('answers 413 to a body over the limit with Content-Length, without it, and when Content-Length lies', async () => {
    const big = 'x'.repeat(70 * 1024);
    expect((await post(big, { ...bearer, 'content-length': String(big.length) })).status).toBe(413);
    const chunked = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) });
    expect((await post(chunked)).status).toBe(413);
    const lying = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) });
    expect((await post(lying, { ...bearer, 'content-length': '10' })).status).toBe(413);
  });
});

describe('a body sent very slowly', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listenOnLoopback(nodeEntry.maiagentWebhook(options));
  });
  afterAll(() => server.close());

  it('gets 408 once bodyTimeoutMs passes, and the socket is released', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /hook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`);
    const trickle = setInterval(() => socket.write(' '), 50);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(answer).toContain('"error":"body_timeout"');
    expect(rejections.map((r) => r.code)).toEqual(['body_timeout']);
  });
});

describe('encodings and charsets', () => {
  const delivery = () => JSON.stringify(buildMaiAgentDelivery());

  it('drops a UTF-8 byte order mark and delivers', async () => {
    expect((await post(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(delivery())]))).status).toBe(200);
  });

  it('answers 415 to a declared charset other than UTF-8', async () => {
    expect((await post(delivery(), { ...bearer, 'content-type': 'application/json; charset=utf-16le' })).status).toBe(415);
  });

  it('answers 400 invalid_json to an undeclared UTF-16 body', async () => {
    const text = delivery();
    const utf16 = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i += 1) new DataView(utf16.buffer).setUint16(i * 2, text.charCodeAt(i), true);
    const response = await post(utf16);
    expect([response.status, (await response.json()).error]).toEqual([400, 'invalid_json']);
  });

  it('answers 415 unsupported_encoding to a gzip body, which it does not inflate', async () => {
    const { gzipSync } = await import('node:zlib');
    const response = await post(gzipSync(delivery()), { ...bearer, 'content-encoding': 'gzip' });
    expect([response.status, (await response.json()).error]).toEqual([415, 'unsupported_encoding']);
  });
});

describe('tokens: the documented outcomes', () => {
  const send = (headers: Record<string, string>, query = '') =>
    webhook(new Request(`http://127.0.0.1/hook${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(buildMaiAgentDelivery()) }));

  it.each([
    ['surrounding spaces are ignored', { authorization: `Bearer   ${TOKEN}   ` }, '', 200],
    ['a lower-case scheme is accepted', { authorization: `bearer ${TOKEN}` }, '', 200],
    ['header wrong, query right: either valid credential is enough', { authorization: 'Bearer wrong' }, `?token=${TOKEN}`, 200],
    ['header right, query wrong', { authorization: `Bearer ${TOKEN}` }, '?token=wrong', 200],
    ['both wrong', { authorization: 'Bearer wrong' }, '?token=wrong', 401],
    ['a prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, '', 401],
    ['the token with a character more', { authorization: `Bearer ${TOKEN}x` }, '', 401],
    ['Basic, which MaiAgent does not use', { authorization: `Basic ${TOKEN}` }, '', 401],
  ])('%s', async (_name, headers, query, status) => {
    expect((await send(headers, query)).status).toBe(status);
  });
});

describe('error bodies', () => {
  it('never hold the payload, the callback’s error or a stack, and stay short', async () => {
    const failing = fetchEntry.maiagentWebhook({ authToken: TOKEN, onMessage: () => { throw new Error(`boom ${TOKEN} at /srv/app.js:1`); } });
    const secret = 'CUSTOMER-SECRET-TEXT';
    const responses = [
      await failing(new Request('http://127.0.0.1/hook', { method: 'POST', headers: bearer, body: JSON.stringify(buildMaiAgentDelivery({ content: secret })) })),
      await post(JSON.stringify({ id: secret, content: 5 })),
      await post(`{"content": "${secret}"`),
    ];
    for (const response of responses) {
      const text = await response.text();
      expect(text.length).toBeLessThan(1024);
      expect(text).not.toMatch(new RegExp(`${secret}|${TOKEN}|boom|at /srv`));
    }
  });
});
