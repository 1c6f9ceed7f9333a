// What the two node-based adapters must get right about the socket itself.
import { connect } from 'node:net';
import express from 'express';
import * as expressEntry from 'maiagent-webhook';
import * as nodeEntry from 'maiagent-webhook/node';
import type { Rejection } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

const adapters = [
  { name: 'express', listener: (options: Parameters<typeof expressEntry.maiagentWebhook>[0]) => express().use(expressEntry.maiagentWebhook(options)) },
  { name: 'node:http', listener: (options: Parameters<typeof nodeEntry.maiagentWebhook>[0]) => nodeEntry.maiagentWebhook(options) },
];

describe.each(adapters)('$name', ({ listener }) => {
  const rejections: Rejection[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    server = await listenOnLoopback(listener({ authToken: TOKEN, limit: '16kb', onMessage: () => {}, onRejected: (r) => void rejections.push(r) }));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    rejections.length = 0;
  });

  it('reports body_incomplete when the sender hangs up halfway through the body', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /hook HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":"cut`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    for (let i = 0; i < 50 && rejections.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rejections.map((r) => r.code)).toEqual(['body_incomplete']);
  });

  it('stays healthy after refusing an oversized chunked body it did not read to the end', async () => {
    const oversized = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 64; i += 1) controller.enqueue(new Uint8Array(1024).fill(32));
        controller.close();
      },
    });
    const refused = await fetch(`${server.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: oversized, duplex: 'half' } as RequestInit);
    expect(refused.status).toBe(413);
    expect(refused.headers.get('connection')).toBe('close');
    const next = await fetch(`${server.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(buildMaiAgentDelivery()) });
    expect(next.status).toBe(200);
  });
});
