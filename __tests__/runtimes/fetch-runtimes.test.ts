// The packed tarball in each Fetch runtime the README names, run by the runtime itself: Bun, Deno, workerd (through
// Miniflare, no nodejs_compat), Next.js route handlers on the Node and the Edge runtime (built and started), Hono on
// Node, on Bun and in workerd. The same five cases everywhere. Nothing leaves loopback: Deno gets --allow-net=127.0.0.1 only,
// Miniflare cf: false, Next telemetry off. Then the docs' own Hono, Bun and Deno examples, each run as the docs say.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { freePort } from '../support/redis';
import { consumerProject, packTarball } from '../support/tarball';
import { section } from '../support/docs';

const root = join(__dirname, '..', '..');
const apps = join(__dirname, 'apps');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const TOKEN = 'runtime-token';

let work: string;
let tarball: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'maiagent-webhook-runtimes-'));
  tarball = packTarball(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A consumer project of the tarball with the test apps copied in and `links` linked from this repo. */
function project(name: string, links: readonly string[] = []): string {
  const dir = join(work, name);
  cpSync(apps, dir, { recursive: true });
  return consumerProject(dir, tarball, { 'package.json': JSON.stringify({ name, private: true, type: 'module', dependencies: { 'maiagent-webhook': '*' } }) }, links);
}

interface Running {
  base: string;
  /** Everything the server wrote so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a server and waits for the line that gives its port (or names the port it was given). */
function startServer(command: string, args: string[], cwd: string, ready: RegExp, env: Record<string, string> = {}): Promise<Running> {
  // A process group of its own: `next start` runs workers of its own, which must go with it (holding our pipes, a
  // surviving worker would keep the test process alive).
  const child: ChildProcess = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(-(child.pid as number), 'SIGKILL');
    });
  return new Promise((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ base: `http://127.0.0.1:${match[1]}`, output: () => output, stop });
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)));
    setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} did not start in time:\n${output}`));
    }, 60_000).unref();
  });
}

type Fetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * Sends `body` again, as the platform retries, until it is answered 200 or `tries` run out: the last status. A
 * callback the runtime cut off after its 503 would leave its claim behind, and every retry would be 409.
 */
async function retriedUntilDelivered(post: (body: object) => Promise<{ status: number }>, body: object, tries = 40): Promise<number> {
  let status = 0;
  for (let attempt = 0; attempt < tries && status !== 200; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = (await post(body)).status;
  }
  return status;
}

/** The five cases: what each answered, and how often the callback ran. */
async function behaviour(fetchFrom: Fetch, url: string) {
  const post = async (body: object, token = TOKEN) => {
    const response = await fetchFrom(`${url}?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.text() };
  };
  const delivery = buildMaiAgentDelivery({ content: 'hello' });
  const valid = await post(delivery);
  const duplicate = await post(delivery);
  const calls = async () => JSON.parse(await (await fetchFrom(`${url}?calls`, { method: 'POST', headers: {} })).text()) as { calls: number };
  const callsAfterDuplicate = (await calls()).calls;
  const slow = buildMaiAgentDelivery({ content: 'slow' });
  return {
    valid: valid.status,
    ack: valid.body,
    duplicate: duplicate.status,
    callsAfterDuplicate,
    wrongToken: (await post(buildMaiAgentDelivery(), 'wrong')).status,
    oversized: (await post(buildMaiAgentDelivery({ content: 'x'.repeat(4096) }))).status,
    callbackPastTimeout: (await post(slow)).status,
    retryAfterTheTimeout: await retriedUntilDelivered(post, slow),
  };
}

const EXPECTED = {
  valid: 200,
  ack: '{"message":"Webhook received successfully"}',
  duplicate: 200,
  callsAfterDuplicate: 1,
  wrongToken: 401,
  oversized: 413,
  callbackPastTimeout: 503,
  retryAfterTheTimeout: 200,
};

const viaFetch: Fetch = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });

async function serving(server: Promise<Running>, path = '/maiagent/webhook') {
  const running = await server;
  try {
    return await behaviour(viaFetch, `${running.base}${path}`);
  } finally {
    await running.stop();
  }
}

const LISTENING = /listening (\d+)/;

it('Bun', async () => {
  const dir = project('bun');
  expect(await serving(startServer(bin('bun'), ['bun.mjs'], dir, LISTENING))).toEqual(EXPECTED);
}, 60_000);

it('Deno, with --allow-net=127.0.0.1 only', async () => {
  const dir = project('deno');
  const deno = startServer(bin('deno'), ['run', '--no-prompt', '--allow-net=127.0.0.1', 'deno.mjs'], dir, LISTENING, { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(work, 'deno-cache') });
  expect(await serving(deno)).toEqual(EXPECTED);
}, 60_000);

it('Hono on Node (@hono/node-server)', async () => {
  const dir = project('hono-node', ['hono', '@hono/node-server']);
  expect(await serving(startServer(process.execPath, ['hono.mjs'], dir, LISTENING))).toEqual(EXPECTED);
}, 60_000);

it('Hono on Bun', async () => {
  const dir = project('hono-bun', ['hono']);
  expect(await serving(startServer(bin('bun'), ['hono.mjs'], dir, LISTENING))).toEqual(EXPECTED);
}, 60_000);

it.each([
  ['a Worker whose fetch is the route', 'worker.mjs', []],
  ['Hono as the Worker, passing c.executionCtx', 'hono-worker.mjs', ['hono']],
])('Cloudflare workerd through Miniflare, bundled by esbuild, without nodejs_compat: %s', async (_name, entry, links) => {
  const dir = project(`workerd-${entry.replace('.mjs', '')}`, links);
  const outfile = join(dir, 'dist', 'worker.js');
  await build({ entryPoints: [join(dir, entry)], bundle: true, format: 'esm', platform: 'browser', conditions: ['worker', 'browser'], outfile, logLevel: 'warning' });
  const script = readFileSync(outfile, 'utf8');
  expect(script).not.toMatch(/\brequire\(|from ["']node:/);
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', compatibilityFlags: [], cf: false });
  try {
    await mf.ready;
    expect(await behaviour((url, init) => mf.dispatchFetch(url, init) as unknown as ReturnType<Fetch>, 'http://127.0.0.1/maiagent/webhook')).toEqual(EXPECTED);
  } finally {
    await mf.dispose();
  }
}, 60_000);

it('the docs\' Cloudflare Worker (examples/cloudflare-worker.ts) in workerd, its token from env', async () => {
  const dir = project('workerd-example');
  const outfile = join(dir, 'dist', 'worker.js');
  cpSync(join(root, 'examples', 'cloudflare-worker.ts'), join(dir, 'cloudflare-worker.ts'));
  await build({ entryPoints: [join(dir, 'cloudflare-worker.ts')], bundle: true, format: 'esm', platform: 'browser', conditions: ['worker', 'browser'], outfile, logLevel: 'warning' });
  const mf = new Miniflare({ modules: true, script: readFileSync(outfile, 'utf8'), compatibilityDate: '2026-04-01', compatibilityFlags: [], cf: false, bindings: { MAIAGENT_WEBHOOK_TOKEN: TOKEN } });
  try {
    await mf.ready;
    const post = async (token: string, body: object) =>
      (await mf.dispatchFetch(`http://127.0.0.1/maiagent/webhook?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
    const delivery = buildMaiAgentDelivery();
    expect([await post(TOKEN, delivery), await post(TOKEN, delivery), await post('wrong', buildMaiAgentDelivery())]).toEqual([200, 200, 401]);
  } finally {
    await mf.dispose();
  }
}, 60_000);

describe('Next.js route handlers (next build, then next start)', () => {
  let next: Running;
  let app: string;
  // Docker and CI builds have no secrets: nothing here gives the build MAIAGENT_WEBHOOK_TOKEN.
  const env = { NEXT_TELEMETRY_DISABLED: '1', MAIAGENT_WEBHOOK_TOKEN: '' };
  const nextBin = () => join(app, 'node_modules', 'next', 'dist', 'bin', 'next');
  const nextStart = async (extra: Record<string, string> = {}) => {
    const port = await freePort();
    return startServer(process.execPath, [nextBin(), 'start', '-H', '127.0.0.1', '-p', String(port)], app, new RegExp(`(${port})[\\s\\S]*Ready`), { ...env, ...extra });
  };
  beforeAll(async () => {
    const dir = project('next', ['next', 'react', 'react-dom']);
    app = join(dir, 'next');
    // The linked packages live outside the project: Turbopack must be allowed to read them.
    cpSync(join(apps, 'webhook.mjs'), join(app, 'webhook.mjs'));
    // The README's route as it is shown (it holds no TypeScript-only syntax, so it is also JavaScript).
    cpSync(join(root, 'examples', 'next-route.ts'), join(app, 'app', 'documented', 'maiagent', 'webhook', 'route.js'));
    consumerProject(app, tarball, { 'package.json': '{"name":"next-app","private":true,"type":"module"}', 'next.config.mjs': "export default { turbopack: { root: '/' } };\n" }, ['next', 'react', 'react-dom']);
    await new Promise<void>((resolve, reject) => {
      const building = spawn(process.execPath, [nextBin(), 'build'], { cwd: app, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      building.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      building.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      building.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}:\n${output}`))));
    });
    next = await nextStart();
  }, 180_000);
  afterAll(() => next?.stop());

  const post = (base: string, token: string) =>
    viaFetch(`${base}/documented/maiagent/webhook?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(buildMaiAgentDelivery()) });

  it("the README's route builds without MAIAGENT_WEBHOOK_TOKEN and, once it is set, answers 200", async () => {
    const withToken = await nextStart({ MAIAGENT_WEBHOOK_TOKEN: TOKEN });
    try {
      expect((await post(withToken.base, TOKEN)).status).toBe(200);
      expect((await post(withToken.base, 'wrong')).status).toBe(401);
    } finally {
      await withToken.stop();
    }
  }, 60_000);

  it("the README's route, running with no token set, accepts nothing: 500 internal_error and one error line naming the variable", async () => {
    const before = next.output().split('\n').length;
    const answers = [await post(next.base, ''), await post(next.base, 'anything')];
    expect(await Promise.all(answers.map(async (r) => [r.status, JSON.parse(await r.text()).error]))).toEqual([
      [500, 'internal_error'],
      [500, 'internal_error'],
    ]);
    const lines = next.output().split('\n').slice(before - 1);
    expect(lines.filter((line) => line.includes('is MAIAGENT_WEBHOOK_TOKEN set?'))).toHaveLength(2);
  }, 60_000);

  it('on the Node runtime', async () => {
    expect(await behaviour(viaFetch, `${next.base}/maiagent/webhook`)).toEqual(EXPECTED);
  }, 60_000);

  it('on the Edge runtime', async () => {
    expect(await behaviour(viaFetch, `${next.base}/edge/maiagent/webhook`)).toEqual(EXPECTED);
  }, 60_000);
});

describe('the docs\' examples (examples/hono.ts, bun.ts, deno.ts), run in their runtime as their section says', () => {
  /** A consumer project holding examples/NAME.ts as the docs show it. */
  function withExample(name: string, links: readonly string[] = []): string {
    const dir = project(`example-${name}`, links);
    cpSync(join(root, 'examples', `${name}.ts`), join(dir, `${name}.ts`));
    return dir;
  }

  /** The example's server, given the token and a free port the way the docs say: MAIAGENT_WEBHOOK_TOKEN, PORT. */
  async function startExample(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Running> {
    const port = await freePort();
    return startServer(command, args, cwd, /Listening on http:\/\/[^\s/]+:(\d+)/, { MAIAGENT_WEBHOOK_TOKEN: TOKEN, PORT: String(port), ...env });
  }

  /** Waits, bounded, until the server has printed `line`; the printed lines so far. */
  async function printed(running: Running, line: string): Promise<string[]> {
    for (let tries = 0; tries < 200 && !running.output().split('\n').includes(line); tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    return running.output().split('\n').filter((printedLine) => printedLine.startsWith('[c-42]'));
  }

  /**
   * A delivery, its retry, a wrong token and another path; what each was answered and what the callback printed.
   * The second delivery comes last: the server's output is in order, so once its line is there, a line the
   * retry printed would be there too.
   */
  async function documentedBehaviour(server: Promise<Running>) {
    const running = await server;
    try {
      const post = async (path: string, token: string, body: object) =>
        (await viaFetch(`${running.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
      const delivery = buildMaiAgentDelivery({ conversation: 'c-42', content: 'Hi there' });
      const answers = {
        delivered: await post('/maiagent/webhook', TOKEN, delivery),
        retried: await post('/maiagent/webhook', TOKEN, delivery),
        wrongToken: await post('/maiagent/webhook', 'wrong', buildMaiAgentDelivery()),
        elsewhere: await post('/elsewhere', TOKEN, buildMaiAgentDelivery()),
        next: await post('/maiagent/webhook', TOKEN, buildMaiAgentDelivery({ conversation: 'c-42', content: 'Next one' })),
      };
      return { ...answers, printed: await printed(running, '[c-42] Next one') };
    } finally {
      await running.stop();
    }
  }

  const EXPECTED_EXAMPLE = { delivered: 200, retried: 200, wrongToken: 401, elsewhere: 404, next: 200, printed: ['[c-42] Hi there', '[c-42] Next one'] };

  it('Hono on Node (examples/hono.ts, @hono/node-server)', async () => {
    const dir = withExample('hono', ['hono', '@hono/node-server']);
    await build({ entryPoints: [join(dir, 'hono.ts')], format: 'esm', platform: 'node', outfile: join(dir, 'hono.mjs'), logLevel: 'warning' });
    expect(await documentedBehaviour(startExample(process.execPath, ['hono.mjs'], dir))).toEqual(EXPECTED_EXAMPLE);
  }, 60_000);

  it('Bun (examples/bun.ts, `bun run bun.ts`)', async () => {
    const dir = withExample('bun');
    expect(await documentedBehaviour(startExample(bin('bun'), ['run', 'bun.ts'], dir))).toEqual(EXPECTED_EXAMPLE);
  }, 60_000);

  it('Deno (examples/deno.ts), with exactly the permissions its section names', async () => {
    // The section shows the command twice, in the example's comment and as the command to type: the same flags.
    const shown = new Set([...section('Deno').matchAll(/deno run ((?:--allow-\S+ )+)deno\.ts/g)].map(([, flags]) => (flags as string).trim()));
    expect(shown.size).toBe(1);
    const permissions = ([...shown][0] as string).split(' ');
    const dir = withExample('deno');
    const deno = startExample(bin('deno'), ['run', '--no-prompt', ...permissions, 'deno.ts'], dir, { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(work, 'deno-cache') });
    expect(await documentedBehaviour(deno)).toEqual(EXPECTED_EXAMPLE);
  }, 60_000);
});
