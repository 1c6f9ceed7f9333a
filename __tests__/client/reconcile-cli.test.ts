// `maiagent-webhook reconcile` and `send` against the stand-in MaiAgent and receivers on loopback: a reply is
// POSTed only where someone chose, with the receiver's current token, and no secret reaches the output.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemoryStore } from 'maiagent-webhook';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { run, type Io } from '../../src/cli';
import { API_KEY, startFakeMaiAgent, type FakeMaiAgent } from '../support/fake-maiagent';
import { TOKEN } from '../support/fixtures';
import { listenOnLoopback, type RunningServer } from '../support/server';

const OLD_TOKEN = 'the-token-before-rotation-4242';

function captureIo(env: NodeJS.ProcessEnv): Io & { lines: string[] } {
  const lines: string[] = [];
  return { lines, env, log: (l) => lines.push(l), error: (l) => lines.push(l) };
}

/** A server that counts what reaches it and answers `status` (with `location` for a redirect). */
async function trap(status = 200, location?: string): Promise<RunningServer & { hits: string[] }> {
  const hits: string[] = [];
  const server = await listenOnLoopback((req: IncomingMessage, res: ServerResponse) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(status, location ? { location } : {}).end();
  });
  return Object.assign(server, { hits });
}

let api: FakeMaiAgent;
let receiver: RunningServer;
let ran: string[];
let hook: string;
beforeEach(async () => {
  api = await startFakeMaiAgent();
  ran = [];
  receiver = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, store: new MemoryStore(), onMessage: (m) => void ran.push(m.id) }));
  hook = `${receiver.url}/maiagent/webhook?token=${TOKEN}`;
  api.webhookUrl = hook;
});
afterEach(async () => {
  await receiver.close();
  await api.close();
});

const recordOf = (id: string, url: string, statusCode: number | null, requestBody: unknown) => ({ id, url, statusCode, createdAt: String(Date.now() - 1000), requestBody });
const reconcileCli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const io = captureIo({ MAIAGENT_API_KEY: API_KEY, ...env });
  return run(['reconcile', '--chatbot', 'bot-1', '--base-url', api.url, ...args], io).then((code) => ({ code, out: io.lines.join('\n') }));
};

describe('maiagent-webhook reconcile (the CLI)', () => {
  it('replays to the chatbot’s current webhookUrl only, with its current token; a record for another URL goes nowhere', async () => {
    const elsewhere = await trap();
    const missed = buildMaiAgentDelivery();
    const beforeRotation = buildMaiAgentDelivery();
    const already = buildMaiAgentDelivery();
    const stale = buildMaiAgentDelivery();
    await sendDelivery(hook, { body: already });
    ran.length = 0;
    api.webhookRecords = [
      recordOf('r1', hook, 500, missed),
      recordOf('r2', hook.replace(TOKEN, OLD_TOKEN), 401, beforeRotation),
      recordOf('r3', hook, null, already),
      recordOf('r4', hook, 422, { nope: true }),
      recordOf('r5', `${elsewhere.url}/old-receiver?token=${OLD_TOKEN}`, 500, stale),
      recordOf('r6', hook, 200, buildMaiAgentDelivery()),
    ];
    try {
      const { code, out } = await reconcileCli(['--allow-http']);
      expect(out).toBe(
        'replayed 2, already delivered 1, invalid 1, failed 0 (and 1 answered 200 at the time, 0 too old to replay safely, 0 dated ahead of this clock: left for a later run)\n' +
          `not replayed: 1 recorded for another URL (${elsewhere.url.replace('http://', '')}/old-receiver); pass --to to choose where`,
      );
      expect(code).toBe(0);
      expect(ran.sort()).toEqual([missed.id, beforeRotation.id].sort());
      expect(elsewhere.hits).toEqual([]);
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain(OLD_TOKEN);
      expect(out).not.toContain(API_KEY);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses plain http unless --allow-http, before sending anything', async () => {
    api.webhookRecords = [recordOf('r1', hook, 500, buildMaiAgentDelivery())];
    const { code, out } = await reconcileCli([]);
    expect(code).toBe(2);
    expect(out).toMatch(/plain http .*--allow-http/);
    expect(out).not.toContain(TOKEN);
    expect(ran).toEqual([]);
  });

  it('--to sends there (token from MAIAGENT_WEBHOOK_TOKEN) and follows no redirect', async () => {
    const target = await trap();
    const redirecting = await trap(307, `${target.url}/stolen`);
    api.webhookRecords = [recordOf('r1', hook, 500, buildMaiAgentDelivery())];
    try {
      const { code, out } = await reconcileCli(['--to', `${redirecting.url}/hook`, '--allow-http'], { MAIAGENT_WEBHOOK_TOKEN: TOKEN });
      expect(code).toBe(1);
      expect(out).toMatch(/^replayed 0, already delivered 0, invalid 0, failed 1/);
      expect(redirecting.hits).toEqual(['POST /hook']);
      expect(target.hits).toEqual([]);
      const direct = await reconcileCli(['--to', `${receiver.url}/maiagent/webhook`, '--allow-http'], { MAIAGENT_WEBHOOK_TOKEN: TOKEN });
      expect(direct).toMatchObject({ code: 0, out: expect.stringMatching(/^replayed 1,/) });
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it('--dry-run prints the hosts and counts, and sends nothing', async () => {
    api.webhookRecords = [recordOf('r1', hook, 500, buildMaiAgentDelivery()), recordOf('r2', hook, null, buildMaiAgentDelivery()), recordOf('r3', 'https://old.example/hook', 500, buildMaiAgentDelivery())];
    const { code, out } = await reconcileCli(['--dry-run', '--allow-http']);
    expect(code).toBe(0);
    expect(out).toBe(`dry run: would replay 2 to ${receiver.url.replace('http://', '')}/maiagent/webhook (0 answered 200, 0 too old, 0 dated ahead of this clock, 0 without a body)\nnot replayed: 1 recorded for another URL (old.example/hook); pass --to to choose where`);
    expect(ran).toEqual([]);
    expect(api.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('--max-pages bounds the pages read; past it the line says to pass a larger --max-pages (the option the CLI has), exit 1, nothing replayed', async () => {
    // The stand-in serves two records a page: six records are three pages.
    api.webhookRecords = Array.from({ length: 6 }, (_, i) => recordOf(`r${i}`, hook, 500, buildMaiAgentDelivery()));
    const short = await reconcileCli(['--allow-http', '--max-pages', '2']);
    expect(short.code).toBe(1);
    expect(short.out).toMatch(/^maiagent-webhook: MaiAgent API GET \S+: more than 2 pages: stopped \(pass --max-pages to read further\)$/);
    expect(ran).toEqual([]);
    const enough = await reconcileCli(['--allow-http', '--max-pages', '3']);
    expect(enough.code).toBe(0);
    expect(ran).toHaveLength(6);
  });
});

describe('no secret in any output: values with a control character are refused, by name', () => {
  it.each([
    ['MAIAGENT_API_KEY', { MAIAGENT_API_KEY: `${API_KEY}\nX-Injected: 1` }, []],
    ['MAIAGENT_WEBHOOK_TOKEN', { MAIAGENT_WEBHOOK_TOKEN: `${TOKEN}\r\nX-Injected: 1` }, ['--to', 'http://127.0.0.1:9/hook', '--allow-http']],
  ])('reconcile refuses %s', async (name, env, args) => {
    const io = captureIo({ MAIAGENT_API_KEY: API_KEY, ...env });
    expect(await run(['reconcile', '--chatbot', 'bot-1', '--base-url', api.url, ...args], io)).toBe(2);
    expect(io.lines).toEqual([expect.stringContaining(name)]);
    expect(io.lines.join('\n')).not.toContain(TOKEN);
    expect(io.lines.join('\n')).not.toContain(API_KEY);
    expect(api.requests).toEqual([]);
  });

  it.each([
    ['--token', ['--token', `secret-send-token\u0000`], {}],
    ['MAIAGENT_WEBHOOK_TOKEN', [], { MAIAGENT_WEBHOOK_TOKEN: 'secret-send-token\n' }],
  ])('send refuses a token from %s', async (name, args, env) => {
    const io = captureIo(env);
    expect(await run(['send', `${receiver.url}/maiagent/webhook`, ...args], io)).toBe(2);
    expect(io.lines).toEqual([expect.stringContaining(name)]);
    expect(io.lines.join('\n')).not.toContain('secret-send-token');
    expect(ran).toEqual([]);
  });

  it.each([
    ['reconcile --to, a URL that does not parse', ['reconcile', '--chatbot', 'bot-1', '--to', `ht tp://x/hook?token=${TOKEN}`]],
    ['send, a URL that does not parse', ['send', `ht tp://x/hook?token=${TOKEN}`]],
    ['send, a URL with a password', ['send', `http://user:${TOKEN}@127.0.0.1:9/hook`]],
  ])('%s: the output names the problem, never the URL’s token or password', async (_name, argv) => {
    const io = captureIo({ MAIAGENT_API_KEY: API_KEY });
    expect(await run(argv, io)).toBeGreaterThan(0);
    expect(io.lines).toHaveLength(1);
    expect(io.lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('maiagent-webhook reconcile against a records page that cannot be read', () => {
  it('says so in one line and exits 1, rather than printing replayed 0 and exiting 0', async () => {
    const html = await listenOnLoopback((_req: IncomingMessage, res: ServerResponse) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'));
    try {
      const io = captureIo({ MAIAGENT_API_KEY: API_KEY, MAIAGENT_WEBHOOK_TOKEN: TOKEN });
      const code = await run(['reconcile', '--chatbot', 'bot-1', '--base-url', `${html.url}/api/v1/`, '--to', hook, '--allow-http'], io);
      expect({ code, lines: io.lines }).toEqual({ code: 1, lines: [expect.stringMatching(/^maiagent-webhook: MaiAgent API GET \/api\/v1\/chatbots\/bot-1\/webhook-records\/: answered 200 with a body that is not JSON$/)] });
      expect(ran).toEqual([]);
    } finally {
      await html.close();
    }
  });
});
