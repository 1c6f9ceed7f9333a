import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import request from 'supertest';
import { OUTCOMES } from 'maiagent-webhook';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { listenOnLoopback } from './support/server';
import { OPTION_NAMES } from '../src/core/options';
import { DEAD_LETTERS_USAGE } from '../src/cli/dead-letters';
import { connectTestRedis, type TestRedis } from './support/redis';
import { anchorsOf, codeBlocks, markdownFiles, relativeLinks, root, section, tableRows } from './support/docs';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const TOKEN = 'readme-example-token';

describe('the docs (README.md and docs/)', () => {
  it('list every outcome code with its status and whether a retry helps', () => {
    const rows = tableRows(section('What each answer means to the sender'));
    const documented = rows.map(([status, code, , retry]) => [code?.replace(/`/g, ''), Number(status), retry?.startsWith('yes')]);
    const actual = Object.entries(OUTCOMES).map(([code, spec]) => [code, spec.status, spec.retry]);
    expect(documented.sort()).toEqual(actual.sort());
  });

  it('document every option the factory accepts, with its default', () => {
    const rows = tableRows(section('Options'));
    const documented = rows.map(([option]) => option?.replace(/`/g, '')).sort();
    expect(documented).toEqual([...OPTION_NAMES].sort());
    expect(rows.find(([o]) => o === '`limit`')?.[1]).toBe("`'1mb'`");
    expect(rows.find(([o]) => o === '`timeoutMs`')?.[1]).toBe('`10000`');
  });

  it('keep the README at most 250 lines (the rest goes to a page of docs/)', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(250);
  });

  it('keep the quick start at most 15 lines', () => {
    expect(readFileSync(join(root, 'examples/quickstart.ts'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(15);
  });

  const blocks = codeBlocks();
  const examples = readdirSync(join(root, 'examples')).filter((f) => /\.(ts|cjs|sh)$/.test(f)).map((f) => `examples/${f}`);

  it.each(examples)('show %s exactly as the tested file, on one page', (file) => {
    const shown = blocks.filter((block) => block.example === file);
    expect(shown.map((block) => block.page)).toHaveLength(1);
    expect(shown[0]?.text).toBe(readFileSync(join(root, file), 'utf8'));
  });

  it('show no TypeScript or JavaScript that is not an example file a test runs', () => {
    const untested = blocks.filter((block) => /^(ts|js|mjs|cjs|tsx|typescript|javascript)$/.test(block.language) && !block.example);
    expect(untested.map(({ page, text }) => `${page}: ${text.split('\n')[0]}`)).toEqual([]);
  });

  it('link the threat model, which exists', () => {
    expect(readme).toContain('[SECURITY.md](SECURITY.md)');
    expect(readFileSync(join(root, 'SECURITY.md'), 'utf8')).toMatch(/## Reporting a vulnerability[\s\S]*## Threat model/);
  });

  it("tell a TypeScript project every change to tsc --init's tsconfig that the consumer test makes", () => {
    const consumerTest = readFileSync(join(root, '__tests__/consumers/consumers.test.ts'), 'utf8');
    expect(consumerTest).toContain("type === 'commonjs'");
    expect(consumerTest).toContain('"verbatimModuleSyntax": false');
    // tsc --init writes `"types": []`: without "node" there, node-http.ts or hono.ts alone fail with TS2591 (`process`).
    expect(consumerTest).toContain('"types": ["node"]');
    const install = section('Install');
    expect(install).toContain('"verbatimModuleSyntax": false');
    expect(install).toContain('"types": ["node"]');
  });

  it("name, where it says the README's .ts examples run with tsx, each one that exports its app and never listens", () => {
    const runSection = readme.slice(readme.indexOf('### Run the TypeScript examples'), readme.indexOf('\n## Try it with the CLI'));
    const exitAtOnce = blocks
      .filter(({ page, example, text }) => page === 'README.md' && example?.endsWith('.ts') && /export const app\b/.test(text) && !text.includes('.listen('))
      .map(({ example }) => basename(example as string));
    expect(exitAtOnce.length).toBeGreaterThan(0);
    expect(exitAtOnce.filter((file) => !runSection.includes(file))).toEqual([]);
  });

  it("give the time dead-letters takes to give up on Redis the same in its --help as on the CLI page", () => {
    const seconds = (text: string) => /within about (\d+) s(?:econds)?\b/.exec(text)?.[1];
    expect(seconds(section('dead-letters'))).toBeDefined();
    expect(seconds(DEAD_LETTERS_USAGE)).toBe(seconds(section('dead-letters')));
  });

  it('say that the examples which export their app leave listening to you (run alone with tsx, they serve nothing)', () => {
    const exportingApp = examples.filter((file) => /^export const app\b/m.test(readFileSync(join(root, file), 'utf8')) && !/\blisten\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(exportingApp.length).toBeGreaterThan(0);
    const howToRun = readme.slice(readme.indexOf('### Run the TypeScript examples'), readme.indexOf('\n## ', readme.indexOf('### Run the TypeScript examples')));
    expect(howToRun).toContain('export const app');
    expect(howToRun).toContain('app.listen(3000)');
  });

  it('name the test command that CI runs', () => {
    expect(readme).toContain('npm test');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });
});

describe('every relative link of every Markdown file resolves', () => {
  it.each(markdownFiles())('%s', (path) => {
    const broken = relativeLinks(path).filter(({ file, anchor }) => {
      if (!existsSync(join(root, file))) return true;
      if (anchor === undefined || !file.endsWith('.md')) return false;
      return !anchorsOf(readFileSync(join(root, file), 'utf8')).has(anchor);
    });
    expect(broken.map(({ link }) => link)).toEqual([]);
  });
});

/**
 * The examples call `listen(3000)` as a reader would; the tests keep that code as written and move each server
 * to 127.0.0.1 on a port the OS picks, closing it afterwards.
 */
function captureListen(): { servers: Server[]; closeAll(): Promise<void> } {
  const servers: Server[] = [];
  const original = Server.prototype.listen as (this: Server, port: number, host: string) => Server;
  jest.spyOn(Server.prototype, 'listen').mockImplementation(function listenOnLoopback(this: Server) {
    servers.push(this);
    return original.call(this, 0, '127.0.0.1');
  });
  return {
    servers,
    closeAll: async () => {
      jest.mocked(Server.prototype.listen).mockRestore();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

async function urlOf(server: Server | undefined): Promise<string> {
  if (!server) throw new Error('the example did not call listen');
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('README examples run', () => {
  const saved = { ...process.env };
  let log: jest.SpyInstance;
  beforeAll(() => {
    process.env.MAIAGENT_WEBHOOK_TOKEN = TOKEN;
    process.env.GPTBOTS_WEBHOOK_TOKEN = TOKEN;
  });
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    process.env = saved;
  });

  const delivery = () => buildMaiAgentDelivery({ conversation: 'c-42', content: 'Hi there' });

  it('quick start (Express): prints the delivered reply', async () => {
    const listening = captureListen();
    try {
      await import('../examples/quickstart');
      await request(await urlOf(listening.servers[0])).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(delivery())).expect(200);
      expect(log).toHaveBeenCalledWith('[c-42] Hi there');
    } finally {
      await listening.closeAll();
    }
  });

  it('quick start in CommonJS (quickstart-commonjs.cjs): prints the delivered reply', async () => {
    const listening = captureListen();
    try {
      await import(join(root, 'examples/quickstart-commonjs.cjs'));
      await request(await urlOf(listening.servers[0])).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(delivery())).expect(200);
      expect(log).toHaveBeenCalledWith('[c-42] Hi there');
    } finally {
      await listening.closeAll();
    }
  });

  it('when it fails: a throwing callback gets 500 and writes the very line the README quotes', async () => {
    const quoted = /<!-- failure-log -->\n```text\n(.+)\n```/.exec(readme)?.[1];
    const quotedId = /message ([0-9a-f-]{36})\)/.exec(quoted ?? '')?.[1];
    if (!quoted || !quotedId) throw new Error('the README quotes no failure line after <!-- failure-log -->');
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    const { default: express } = await import('express');
    const { maiagentWebhook } = await import('maiagent-webhook');
    const app = express();
    app.post('/maiagent/webhook', maiagentWebhook({ authToken: TOKEN, onMessage: async () => { throw new Error('LINE push failed: 502'); } }));
    const running = await listenOnLoopback(app);
    try {
      const failing = delivery();
      await request(running.url).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(failing)).expect(500);
      expect(errors.mock.calls).toEqual([[quoted.replace(quotedId, failing.id)]]);
    } finally {
      await running.close();
    }
  });

  it('onRejected (on-rejected.ts): hears of a wrong token and of an invalid body, with the fields', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { app } = await import('../examples/on-rejected');
    const running = await listenOnLoopback(app);
    try {
      await request(running.url).post('/maiagent/webhook?token=wrong').set('content-type', 'application/json').send(JSON.stringify(delivery())).expect(401);
      await request(running.url).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify({ content: 'no ids' })).expect(422);
      expect(warn.mock.calls).toEqual([
        ['maiagent delivery refused: 401 unauthorized', []],
        ['maiagent delivery refused: 422 invalid_payload', expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })])],
      ]);
    } finally {
      await running.close();
    }
  });

  it('node:http: serves the webhook path and 404 elsewhere', async () => {
    const listening = captureListen();
    try {
      await import('../examples/node-http');
      const url = await urlOf(listening.servers[0]);
      await request(url).post('/maiagent/webhook').set('authorization', `Bearer ${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(delivery())).expect(200);
      expect(log).toHaveBeenCalledWith('[c-42] Hi there');
      await request(url).get('/elsewhere').expect(404);
    } finally {
      await listening.closeAll();
    }
  });

  it('Next.js route handler (Fetch API): answers a Request with a Response', async () => {
    const { POST } = await import('../examples/next-route');
    const response = await POST(new Request(`https://app.example.com/maiagent/webhook?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(delivery()) }));
    expect(response.status).toBe(200);
    expect(log).toHaveBeenCalledWith('[c-42] Hi there');
  });

  it('GPTBots: prints the reply text and the V2 token usage', async () => {
    const listening = captureListen();
    try {
      await import('../examples/gptbots');
      const body = buildGptBotsDelivery({ conversation_id: 'g-7', output: [{ content: { text: 'Hello' } }], usage: { tokens: { total_tokens: 3 } } });
      await request(await urlOf(listening.servers[0])).post('/gptbots/webhook').set('authorization', `Basic ${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(body)).expect(200);
      expect(log).toHaveBeenCalledWith('[g-7] Hello', { total_tokens: 3 });
    } finally {
      await listening.closeAll();
    }
  });

  it('behind express.json(): forwards the reply with the abort signal, and reports refusals', async () => {
    const forwarded = jest.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('ok'));
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { app } = await import('../examples/behind-express-json');
    const running = await listenOnLoopback(app);
    try {
      const large = buildMaiAgentDelivery({ content: 'x'.repeat(200_000) });
      await request(running.url).post('/maiagent/webhook').set('authorization', `Bearer ${TOKEN}`).send(large).expect(200);
      const [url, init] = forwarded.mock.calls[0] as [string, RequestInit];
      expect(url).toBe('https://chat.example.com/api/replies');
      expect(JSON.parse(String(init.body))).toEqual({ conversation: large.conversation, text: large.content });
      expect(init.signal).toBeInstanceOf(AbortSignal);
      await request(running.url).post('/maiagent/webhook').send({}).expect(401);
      expect(warn).toHaveBeenCalledWith('maiagent delivery refused: 401 unauthorized');
    } finally {
      await running.close();
    }
  });

  it('graceful shutdown: after SIGTERM, deliveries get 503 and the server closes', async () => {
    const listening = captureListen();
    const before = new Set(process.listeners('SIGTERM'));
    try {
      await import('../examples/graceful-shutdown');
      const url = await urlOf(listening.servers[0]);
      const onSigterm = process.listeners('SIGTERM').find((listener) => !before.has(listener));
      if (!onSigterm) throw new Error('the example registered no SIGTERM handler');
      const send = () => request(url).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(JSON.stringify(delivery()));
      await send().expect(200);
      process.off('SIGTERM', onSigterm);
      await (onSigterm as () => Promise<void>)();
      expect(listening.servers[0]?.listening).toBe(false);
    } finally {
      await listening.closeAll();
    }
  });

  describe.each(['examples/redis-node-redis', 'examples/redis-ioredis'])('%s', (file) => {
    let testRedis: TestRedis;
    const ciRedis = process.env.REDIS_URL;
    beforeAll(async () => {
      testRedis = await connectTestRedis();
      process.env.REDIS_URL = testRedis.url;
    });
    afterAll(async () => {
      await testRedis.close();
      if (ciRedis === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = ciRedis;
    });

    it('remembers a delivered id in Redis, so the retry is answered without a second callback', async () => {
      const example = (await import(`../${file}`)) as { app: import('express').Express; redis: { quit(): Promise<unknown> } };
      const running = await listenOnLoopback(example.app);
      try {
        const body = JSON.stringify(delivery());
        const send = () => request(running.url).post(`/maiagent/webhook?token=${TOKEN}`).set('content-type', 'application/json').send(body);
        await send().expect(200);
        await send().expect(200);
        expect(log).toHaveBeenCalledTimes(1);
        const id = (JSON.parse(body) as { id: string }).id;
        expect(await testRedis.sendCommand(['GET', `maiagent-webhook:maiagent:${id}`])).toBe('done');
      } finally {
        await running.close();
        await example.redis.quit();
      }
    });
  });

  it('testing kit: the example test passes against the real middleware', async () => {
    const { repliesReachTheInbox } = await import('../examples/testing-kit');
    expect(await repliesReachTheInbox()).toBe(true);
  });
});
