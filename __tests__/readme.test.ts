import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { OUTCOMES } from 'maiagent-webhook';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { listenOnLoopback } from './support/server';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const TOKEN = 'readme-example-token';

function section(title: string): string {
  const start = readme.indexOf(`## ${title}`);
  if (start === -1) throw new Error(`README has no section "${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('|---'))
    .slice(1)
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

describe('README', () => {
  it('lists every outcome code with its status and whether a retry helps', () => {
    const rows = tableRows(section('What each answer means to the sender'));
    const documented = rows.map(([status, code, , retry]) => [code?.replace(/`/g, ''), Number(status), retry?.startsWith('yes')]);
    const actual = Object.entries(OUTCOMES).map(([code, spec]) => [code, spec.status, spec.retry]);
    expect(documented.sort()).toEqual(actual.sort());
  });

  it('documents every option the factory accepts, with its default', () => {
    const rows = tableRows(section('Options'));
    const documented = rows.map(([option]) => option?.replace(/`/g, '')).sort();
    expect(documented).toEqual(['authToken', 'limit', 'onMessage', 'onRejected', 'timeoutMs']);
    expect(rows.find(([o]) => o === '`limit`')?.[1]).toBe("`'1mb'`");
    expect(rows.find(([o]) => o === '`timeoutMs`')?.[1]).toBe('`10000`');
  });

  it('keeps the quick start at most 15 lines', () => {
    expect(readFileSync(join(root, 'examples/quickstart.ts'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(15);
  });

  it.each(['examples/quickstart.ts', 'examples/behind-express-json.ts'])('shows %s exactly as the tested file', (file) => {
    const marker = `<!-- example: ${file} -->\n\`\`\`ts\n`;
    const start = readme.indexOf(marker);
    expect(start).toBeGreaterThan(-1);
    const block = readme.slice(start + marker.length, readme.indexOf('```', start + marker.length));
    expect(block).toBe(readFileSync(join(root, file), 'utf8'));
  });

  it('names the test command that CI runs', () => {
    expect(readme).toContain('npm test');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});

describe('README examples run', () => {
  const savedToken = process.env.MAIAGENT_WEBHOOK_TOKEN;
  beforeAll(() => {
    process.env.MAIAGENT_WEBHOOK_TOKEN = TOKEN;
  });
  afterAll(() => {
    process.env.MAIAGENT_WEBHOOK_TOKEN = savedToken;
    jest.restoreAllMocks();
  });

  it('quick start: prints the delivered reply', async () => {
    // The example listens on port 3000; the test keeps its code as written and moves the server to loopback:0.
    let server: Server | undefined;
    jest.spyOn(express.application, 'listen').mockImplementation(function listenOnLoopback(this: express.Express) {
      server = createServer(this).listen(0, '127.0.0.1');
      return server;
    });
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import('../examples/quickstart');
      if (!server) throw new Error('the quick start did not call app.listen');
      if (!server.listening) await new Promise((resolve) => server?.once('listening', resolve));
      const delivery = buildMaiAgentDelivery({ conversation: 'c-42', content: 'Hi there' });
      await request(server as Server).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(delivery)).expect(200);
      expect(log).toHaveBeenCalledWith('[c-42] Hi there');
    } finally {
      server?.close();
    }
  });

  it('behind express.json(): forwards the reply with the abort signal, and reports refusals', async () => {
    const forwarded = jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('ok'));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { app } = await import('../examples/behind-express-json');
    const running = await listenOnLoopback(app);
    try {
      const delivery = buildMaiAgentDelivery({ content: 'x'.repeat(200_000) });
      await request(running.url).post('/maiagent/webhook').set('authorization', `Bearer ${TOKEN}`).send(delivery).expect(200);
      const [url, init] = forwarded.mock.calls[0] as [string, RequestInit];
      expect(url).toBe('https://chat.example.com/api/replies');
      expect(JSON.parse(String(init.body))).toEqual({ conversation: delivery.conversation, text: delivery.content });
      expect(init.signal).toBeInstanceOf(AbortSignal);
      await request(running.url).post('/maiagent/webhook').send({}).expect(401);
      expect(warn).toHaveBeenCalledWith('maiagent delivery refused: 401 unauthorized');
    } finally {
      await running.close();
    }
  });
});
