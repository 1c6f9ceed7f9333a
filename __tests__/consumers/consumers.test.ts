// The packed tarball as a new user gets it: installed from the npm registry into a fresh ES-module project and a
// fresh CommonJS project, with the tsconfig `tsc --init` writes, the latest release of every peer and nothing but
// the packages the docs (README.md and docs/) tell the reader to install (read from their `npm install` lines). Every TypeScript block
// of the docs is written there as a file and type-checked; every example that serves a webhook is started there
// and answers a delivery sent with the package's own `maiagent-webhook send`. Queue mode gets a project of its own
// with only what its page names. The resolved versions are printed.
// CI runs this suite once, on its first Node version (.ci/run).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { connectTestRedis, freePort, type TestRedis } from '../support/redis';
import { startRedisCluster } from '../support/redis-cluster';
import { startOwnRedis } from '../support/redis-server';
import { packTarball } from '../support/tarball';
import { codeBlocks, installLines } from '../support/docs';

const run = promisify(execFile);
const TOKEN = 'consumer-token';

/** Every ```ts block of the docs (README.md and docs/), named after the example file it shows (docs.test.ts keeps them identical). */
function typeScriptBlocks(): { file: string; page: string; text: string }[] {
  return codeBlocks()
    .filter((block) => block.language === 'ts')
    .map(({ example, page, text }, index) => ({ file: example ? basename(example) : `docs-block-${index + 1}.ts`, page, text }));
}

/** The packages one page tells the reader to install, and the README's Install section's. */
function installsFor(page: string): string[] {
  const lines = [...installLines().entries()];
  return [...new Set(lines.filter(([heading]) => heading === 'README.md > Install' || heading.startsWith(`${page} > `)).flatMap(([, packages]) => packages))];
}

/** Every ```js block that shows a CommonJS example (`examples/*.cjs`): written as it is and started like the servers. */
function commonJsBlocks(): { file: string; text: string }[] {
  return codeBlocks()
    .filter((block) => block.language === 'js' && block.example?.endsWith('.cjs'))
    .map(({ example, text }) => ({ file: basename(example as string), text }));
}

const everyInstalled = () => [...new Set([...installLines().values()].flat())];

let work: string;
let tarball: string;
let redis: TestRedis;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'maiagent-webhook-consumers-'));
  tarball = packTarball(work);
  redis = await connectTestRedis();
}, 120_000);
afterAll(async () => {
  stopAll();
  await redis?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh project with the tarball (for `maiagent-webhook`) and `packages` from the registry; prints what resolved. */
async function freshProject(name: string, type: 'module' | 'commonjs', packages: readonly string[]): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }));
  const fromRegistry = packages.filter((p) => p !== 'maiagent-webhook');
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...fromRegistry], { cwd: dir });
  const { stdout } = await run('npm', ['ls', '--depth=0', '--json'], { cwd: dir });
  const resolved = Object.entries((JSON.parse(stdout) as { dependencies: Record<string, { version: string }> }).dependencies);
  process.stdout.write(`${name} (${type}), resolved: ${resolved.map(([n, { version }]) => `${n}@${version}`).join(', ')}\n`);
  copyFileSync(join(__dirname, 'serve.mjs'), join(dir, 'serve.mjs'));
  return dir;
}

/** tsc --init's tsconfig, with `types: ["node"]` added. */
async function tscInit(dir: string, type: 'module' | 'commonjs'): Promise<void> {
  await run(join(dir, 'node_modules', '.bin', 'tsc'), ['--init'], { cwd: dir });
  let config = readFileSync(join(dir, 'tsconfig.json'), 'utf8').replace('"types": [],', '"types": ["node"],');
  // Under verbatimModuleSyntax a CommonJS project may not write `import` at all (TS1295), and every block does:
  // a CommonJS user who writes import syntax turns it off, the one other line changed.
  if (type === 'commonjs') config = config.replace('"verbatimModuleSyntax": true', '"verbatimModuleSyntax": false');
  writeFileSync(join(dir, 'tsconfig.json'), config);
}

interface Started {
  port: number;
  output: () => string;
}

/**
 * Starts an example under serve.mjs, with node or the given `runner` (tsx); with `ready`, waits for the line that
 * gives its port (a worker has none).
 */
function start(dir: string, file: string, env: Record<string, string>, ready: RegExp | null = /listening (\d+)/, runner = process.execPath): Promise<Started> {
  // A process group of its own: tsx runs the example in a child of its own, which must be stopped with it.
  const child = spawn(runner, ['serve.mjs', file], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    if (!ready) resolve({ port: 0, output: () => output });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready?.exec(output);
      if (match) resolve({ port: Number(match[1]), output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
}

function stopAll(): void {
  for (const child of children) killGroup(child);
}

/** The example and whatever it started (tsx's own child). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // the group is gone already
  }
}

/** `maiagent-webhook send <url> [args]`, from the project's own bin; resolves with its exit code and output. */
async function send(dir: string, url: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(join(dir, 'node_modules', '.bin', 'maiagent-webhook'), ['send', url, ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** The process's output once it matches `pattern`, or after 30 s, whichever comes first. */
async function outputShows(started: Started, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (!pattern.test(started.output()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return started.output();
}

const blocks = typeScriptBlocks();
/** Examples type-checked here but run elsewhere, each with where. */
const NOT_SERVERS = new Set([
  'otel.ts', // below, with the installed @opentelemetry/api
  'testing-kit.ts', // a function, not a server: docs.test.ts runs it
  'testing-retries.ts', // node:test files: run below with node --test
  'testing-fake-maiagent.ts',
  'client-send.ts', // needs a MaiAgent: __tests__/client/client.test.ts runs it against the fake
  'set-webhook-url.ts', // calls MaiAgent's API: __tests__/integration/develop-locally.test.ts runs it against the fake
  'queue-web.ts', // below, with its worker, through Redis
  'queue-worker.ts',
  'cloudflare-worker.ts', // workerd: __tests__/runtimes/fetch-runtimes.test.ts
  'reply-hub-ioredis.ts', // below, through Redis
  'worker-upstash.ts', // workerd: __tests__/runtimes/edge-stores.test.ts
  'worker-durable-object.ts',
  'redis-cluster.ts', // below, on a cluster of its own
  'bun.ts', // Bun's and Deno's globals: __tests__/runtimes/fetch-runtimes.test.ts runs them in Bun and Deno
  'deno.ts',
]);
const servers = blocks.filter(({ file }) => file.endsWith('.ts') && !file.startsWith('docs-block-') && !NOT_SERVERS.has(file)).map(({ file }) => `${file.replace(/\.ts$/, '')}.js`);
const jsBlocks = commonJsBlocks();
servers.push(...jsBlocks.map(({ file }) => file));

function environment(): Record<string, string> {
  return { MAIAGENT_WEBHOOK_TOKEN: TOKEN, GPTBOTS_WEBHOOK_TOKEN: TOKEN, REDIS_URL: redis.url, MAIAGENT_API_KEY: 'unused' };
}

/**
 * queue-worker and queue-web started side by side; one delivery of its own (a content no other test sends) sent
 * with `maiagent-webhook send --file`: what send said, and whether the worker printed that very reply.
 */
async function throughTheQueue(dir: string, extension: string) {
  const content = `queued ${randomUUID()}`;
  writeFileSync(join(dir, 'delivery.json'), JSON.stringify(buildMaiAgentDelivery({ content })));
  const worker = await start(dir, `queue-worker.${extension}`, environment(), null);
  const web = await start(dir, `queue-web.${extension}`, environment());
  const sent = await send(dir, `http://127.0.0.1:${web.port}/maiagent/webhook`, environment(), ['--file', 'delivery.json']);
  return { sent, worker: await outputShows(worker, new RegExp(content)), content };
}

describe.each(['module', 'commonjs'] as const)('a fresh "type": "%s" project', (type) => {
  let dir: string;
  let typecheck: { code: number; output: string };
  beforeAll(async () => {
    dir = await freshProject(`consumer-${type}`, type, everyInstalled());
    await tscInit(dir, type);
    for (const { file, text } of [...blocks, ...jsBlocks]) writeFileSync(join(dir, file), text);
    typecheck = await run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: dir }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
  }, 240_000);
  afterEach(stopAll);

  it(`type-checks every TypeScript block of the docs (${blocks.length}) with tsc --init's tsconfig`, () => {
    expect(typecheck.output).toBe('');
    expect(typecheck.code).toBe(0);
  });

  it.each(servers)('%s starts and answers a delivery sent with `maiagent-webhook send`', async (example) => {
    const started = await start(dir, example, environment());
    const path = example.startsWith('gptbots') ? '/gptbots/webhook' : '/maiagent/webhook';
    const sent = await send(dir, `http://127.0.0.1:${started.port}${path}`, environment());
    expect(sent).toEqual({ code: 0, output: expect.stringMatching(/^200 /) });
  }, 60_000);

  it('quickstart.ts runs as it is with tsx, as the README says, and answers a delivery', async () => {
    const started = await start(dir, 'quickstart.ts', environment(), undefined, join(dir, 'node_modules', '.bin', 'tsx'));
    const sent = await send(dir, `http://127.0.0.1:${started.port}/maiagent/webhook`, environment());
    expect(sent).toEqual({ code: 0, output: expect.stringMatching(/^200 /) });
    expect(await outputShows(started, /\[conv-0001\] Hello from maiagent-webhook/)).toContain('[conv-0001] Hello from maiagent-webhook');
  }, 60_000);

  it('redis-cluster starts against a 3-master Redis Cluster and answers a delivery sent with `maiagent-webhook send`', async () => {
    const cluster = await startRedisCluster();
    try {
      const env = { ...environment(), REDIS_URL: cluster.rootNodes.map(({ url }) => url).join(',') };
      const started = await start(dir, 'redis-cluster.js', env);
      // The example connects in the background: the first answers may be 503 store_unavailable until it has.
      let sent = await send(dir, `http://127.0.0.1:${started.port}/maiagent/webhook`, env);
      for (let tries = 0; sent.code !== 0 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        sent = await send(dir, `http://127.0.0.1:${started.port}/maiagent/webhook`, env);
      }
      expect(sent).toEqual({ code: 0, output: expect.stringMatching(/^200 /) });
    } finally {
      stopAll();
      await cluster.stop();
    }
  }, 90_000);

  it('queue-web and queue-worker: the delivery is enqueued, then processed by the worker', async () => {
    const { sent, worker, content } = await throughTheQueue(dir, 'js');
    expect(sent).toEqual({ code: 0, output: expect.stringMatching(/^200 /) });
    expect(worker).toContain(`[conv-0001] ${content}`);
  }, 90_000);

  it('testing kit: the example test passes', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const kit = await import('./testing-kit.js'); console.log(await (kit.repliesReachTheInbox ?? kit.default.repliesReachTheInbox)())"], { cwd: dir });
    expect(stdout.trim()).toBe('true');
  }, 60_000);

  it('testing-retries and testing-fake-maiagent: node --test passes them', async () => {
    const { stdout } = await run(process.execPath, ['--test', 'testing-retries.js', 'testing-fake-maiagent.js'], { cwd: dir });
    expect(stdout).toMatch(/^# pass 4$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 60_000);

  it("cloudflare-worker: the Worker's fetch(request, env, ctx) answers a delivery and hands ctx.waitUntil its work", async () => {
    const script = `
      const worker = await import('./cloudflare-worker.js');
      const { buildMaiAgentDelivery } = await import('maiagent-webhook/testing');
      const waited = [];
      const request = new Request('http://worker/maiagent/webhook?token=${TOKEN}', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(buildMaiAgentDelivery()) });
      const response = await (worker.default.default ?? worker.default).fetch(request, { MAIAGENT_WEBHOOK_TOKEN: '${TOKEN}' }, { waitUntil: (p) => waited.push(p) });
      await Promise.all(waited);
      console.log(response.status, waited.length);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    expect(stdout.trim().split('\n').at(-1)).toBe('200 1');
  }, 60_000);

  it('reply-hub-ioredis: connectReplyHub() on REDIS_URL; a reply the receiver publishes reaches a wait through Redis', async () => {
    const script = `
      const example = await import('./reply-hub-ioredis.js');
      const { maiagentWebhook } = await import('maiagent-webhook/fetch');
      const { buildMaiAgentDelivery } = await import('maiagent-webhook/testing');
      const { hub, close } = (example.connectReplyHub ?? example.default.connectReplyHub)();
      await hub.ready();
      const reply = hub.next('conv-hub', { timeoutMs: 20000 });
      const webhook = maiagentWebhook({ authToken: '${TOKEN}', onMessage: () => {}, replies: hub, log: false });
      const body = JSON.stringify(buildMaiAgentDelivery({ conversation: 'conv-hub', content: 'through redis', created_at: String(Date.now()) }));
      const answer = await webhook(new Request('http://x/maiagent/webhook?token=${TOKEN}', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      console.log(answer.status, (await reply).delivered.content);
      await close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { ...process.env, ...environment() } });
    expect(stdout.trim().split('\n').at(-1)).toBe('200 through redis');
  }, 60_000);

  it('otel: instrument({ api }) runs with the installed @opentelemetry/api', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const otel = await import('./otel.js'); console.log(typeof (otel.stopInstrumenting ?? otel.default.stopInstrumenting))"], { cwd: dir });
    expect(stdout.trim()).toBe('function');
  }, 60_000);
});

describe('queue mode with only what its page names installed', () => {
  let dir: string;
  beforeAll(async () => {
    const queuePage = blocks.find(({ file }) => file === 'queue-web.ts')?.page ?? 'the page showing examples/queue-web.ts';
    dir = await freshProject('consumer-queue', 'module', installsFor(queuePage));
  }, 180_000);

  it('answers 200 enqueued, and the worker processes the delivery', async () => {
    for (const file of ['queue-web', 'queue-worker']) writeFileSync(join(dir, `${file}.mjs`), readFileSync(join(work, 'consumer-module', `${file}.js`)));
    try {
      const { sent, worker, content } = await throughTheQueue(dir, 'mjs');
      expect(sent).toEqual({ code: 0, output: expect.stringMatching(/^200 /) });
      expect(worker).toContain(`[conv-0001] ${content}`);
    } finally {
      stopAll();
    }
  }, 180_000);

  it('dead-letters, from the project\'s own bin (what npx runs) on REDIS_URL as queue.md runs it: works with what the page installs; Redis down: one line, exit 1, no password', async () => {
    const deadLetters = async (redisUrl: string) => {
      try {
        const { stdout, stderr } = await run(join(dir, 'node_modules', '.bin', 'maiagent-webhook'), ['dead-letters', 'list', '--queue', 'maiagent-replies'], { cwd: dir, env: { ...process.env, REDIS_URL: redisUrl }, timeout: 30_000 });
        return { code: 0, output: stdout + stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, output: failed.stdout + failed.stderr };
      }
    };
    expect(await deadLetters(redis.url)).toEqual({ code: 0, output: expect.any(String) });
    const port = await freePort();
    const down = await deadLetters(`redis://:consumer-s3cret@127.0.0.1:${port}`);
    expect(down).toEqual({ code: 1, output: `maiagent-webhook: cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  }, 60_000);
});

describe('the RedisStore examples, served from the tarball while their Redis is away', () => {
  /** `send` of one delivery until it is answered 200 (bounded, as the platform's retries are): the statuses it got. */
  async function sendUntil200(dir: string, url: string, body: string): Promise<string[]> {
    const statuses: string[] = [];
    // Anything but a status (the server gone: send could not connect) ends it: there is no one left to retry.
    for (let tries = 0; tries < 60 && statuses.at(-1) !== '200' && /^(\d{3})?$/.test(statuses.at(-1) ?? ''); tries += 1) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      statuses.push((await send(dir, url, environment(), ['--file', body])).output.slice(0, 3));
    }
    return statuses;
  }

  it.each(['redis-node-redis', 'redis-ioredis'])('%s: started while Redis is down, it stays up and answers 503; 200 once Redis is up; 503 again when it goes away; the callback ran once; no stack', async (name) => {
    const dir = join(work, 'consumer-module');
    const redis = await startOwnRedis();
    await redis.stop();
    const content = `away ${randomUUID()}`;
    writeFileSync(join(dir, 'away.json'), JSON.stringify(buildMaiAgentDelivery({ content })));
    try {
      const started = await start(dir, `${name}.js`, { ...environment(), REDIS_URL: redis.url });
      const url = `http://127.0.0.1:${started.port}/maiagent/webhook`;
      const whileDown = (await send(dir, url, environment(), ['--file', 'away.json'])).output.slice(0, 3);
      await redis.start();
      const once = await sendUntil200(dir, url, 'away.json');
      const again = (await send(dir, url, environment(), ['--file', 'away.json'])).output.slice(0, 3);
      await redis.stop();
      const goneAgain = (await send(dir, url, environment(), ['--file', 'away.json'])).output.slice(0, 3);
      const printed = started.output().split('\n');
      expect({ whileDown, last: once.at(-1), again, goneAgain }).toEqual({ whileDown: '503', last: '200', again: '200', goneAgain: '503' });
      expect({ ran: printed.filter((line) => line.includes(content)).length, stackLines: printed.filter((line) => /^\s+at /.test(line)) }).toEqual({ ran: 1, stackLines: [] });
    } finally {
      stopAll();
      await redis.dispose();
    }
  }, 120_000);
});
