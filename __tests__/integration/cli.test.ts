import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver, curlLine, run, type Io, type RunningReceiver } from '../../src/cli';
import { buildMaiAgentDelivery } from '../../src/testing';
import { testBuildDir } from '../support/build';
import { listenOnLoopback, type RunningServer } from '../support/server';

/** Pulls the URL and the body out of the printed curl line and sends exactly that. */
function sendLikeCurl(line: string): Promise<Response> {
  const url = /"(http[^"]+)"/.exec(line)?.[1];
  const body = /-d '([^']+)'/.exec(line)?.[1];
  if (!url || !body) throw new Error(`not a curl line: ${line}`);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

function captureIo(env: NodeJS.ProcessEnv = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, log: (l) => out.push(l), error: (l) => err.push(l) };
}

let receiver: RunningReceiver | undefined;
const lines: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  lines.length = 0;
});

describe('listen', () => {
  it('prints a ready curl line with the generated token, and prints the delivery it answers 200', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', log: (l) => lines.push(l) });
    const response = await sendLikeCurl(lines.find((l) => l.includes('curl ')) ?? '');
    expect(response.status).toBe(200);
    expect(lines.join('\n')).toMatch(/200 delivered [0-9a-f-]{36}\n {2}conversation conv-0001, at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z, from Assistant \(789\)/);
    expect(lines.join('\n')).toContain('Hello from maiagent-webhook');
  });

  it('a port already in use is said in one line that names the port and --port, exit code 1', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', log: (l) => lines.push(l) });
    const { port } = new URL(receiver.url);
    const io = captureIo({ MAIAGENT_WEBHOOK_TOKEN: 'x' });
    expect(await run(['listen', '--port', port], io)).toBe(1);
    expect(io.err).toEqual([`maiagent-webhook: port ${port} is in use (another receiver, or your app?): stop it, or pass --port <another>`]);
  });

  it('listen --token T: the printed curl and send lines carry T (URL-encoded in the query, quoted for the shell) and work as printed', async () => {
    const io = captureIo();
    const token = "a+b&c d'e";
    const result = await run(['listen', '--port', '0', '--token', token], io);
    if (typeof result === 'number') throw new Error(io.err.join('\n'));
    receiver = result;
    const url = receiver.url.replace('localhost', '127.0.0.1');
    const printed = io.out.join('\n');
    expect(printed).toContain(`?token=${encodeURIComponent(token)}"`);
    expect((await sendLikeCurl(printed.split('\n').find((l) => l.includes('curl ')) ?? '')).status).toBe(200);
    const sendLine = printed.split('\n').find((l) => l.includes('npx maiagent-webhook send')) ?? '';
    // What the shell hands the CLI for the printed quoting: bash itself reads it back.
    const words = JSON.parse(execFileSync('bash', ['-c', `printf '%s\\n' ${sendLine.replace(/^\s*npx maiagent-webhook /, '')} | node -e "process.stdout.write(JSON.stringify(require('fs').readFileSync(0,'utf8').trim().split('\\n')))"`], { encoding: 'utf8' })) as string[];
    words[1] = url;
    expect(await run(words, captureIo())).toBe(0);
  });

  it('never prints a token from the environment, and prints each refusal with its status', async () => {
    const token = 'given-token-never-printed';
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', path: '/hook', token, log: (l) => lines.push(l) });
    const response = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).toContain('401 unauthorized');
    expect(curlLine(receiver.url, undefined)).toContain('?token=$MAIAGENT_WEBHOOK_TOKEN"');
  });

  it('prints every delivery, a duplicate included', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', token: 't', log: (l) => lines.push(l) });
    const delivery = buildMaiAgentDelivery();
    const post = () => fetch(receiver?.url ?? '', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(delivery) });
    expect([(await post()).status, (await post()).status]).toEqual([200, 200]);
    expect(lines.filter((l) => l.startsWith(`200 delivered ${delivery.id}`))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith(`200 duplicate ${delivery.id}`))).toHaveLength(1);
  });

  it('says when the time it prints is the time received (the body had no readable timestamp)', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', token: 't', log: (l) => lines.push(l) });
    const body = JSON.stringify(buildMaiAgentDelivery({ created_at: null }));
    const response = await fetch(`${receiver.url.replace('localhost', '127.0.0.1')}?token=t`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    // The outcome is told once the answer is given: wait for its line, bounded by the test's own timeout.
    while (!lines.some((l) => l.includes('warning'))) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(lines.filter((l) => l.includes('warning'))).toEqual(['  warning timestamp_replaced (created_at): the time printed is the time received']);
  });

  it('receives GPTBots deliveries with --provider gptbots', async () => {
    const io = captureIo();
    const result = await run(['listen', '--port', '0', '--provider', 'gptbots', '--token', 'gt'], io);
    if (typeof result === 'number') throw new Error(io.err.join('\n'));
    receiver = result;
    expect(receiver.url).toMatch(/\/gptbots\/webhook$/);
    expect(await run(['send', receiver.url.replace('localhost', '127.0.0.1'), '--provider', 'gptbots', '--token', 'gt'], captureIo())).toBe(0);
    expect(io.out.join('\n')).toContain('您好！這是 AI 助理的回覆。');
  });
});

describe('send', () => {
  const token = 'send-test-token';
  let url: string;
  beforeEach(async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', token, log: (l) => lines.push(l) });
    url = receiver.url;
  });

  it('posts one sample delivery, prints the status and body, and exits 0 on 200', async () => {
    const io = captureIo({ MAIAGENT_WEBHOOK_TOKEN: token });
    expect(await run(['send', url], io)).toBe(0);
    expect(io.out).toEqual(['200 {"message":"Webhook received successfully"}']);
  });

  it('summarizes many deliveries sent concurrently', async () => {
    const io = captureIo();
    expect(await run(['send', url, '--token', token, '--count', '20', '--concurrency', '4'], io)).toBe(0);
    expect(io.out).toEqual(['sent 20: 20 delivered']);
    expect(lines.filter((l) => l.startsWith('200 delivered'))).toHaveLength(20);
  });

  it('tells delivered, duplicate and refused apart in the --count summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-send-'));
    try {
      const file = join(dir, 'body.json');
      writeFileSync(file, JSON.stringify(buildMaiAgentDelivery()));
      const same = captureIo();
      expect(await run(['send', url, '--token', token, '--file', file, '--count', '3'], same)).toBe(0);
      expect(same.out).toEqual(['sent 3: 1 delivered, 2 duplicate']);
      const refused = captureIo();
      expect(await run(['send', url, '--token', 'wrong', '--count', '2'], refused)).toBe(1);
      expect(refused.out).toEqual(['sent 2: 2 refused (401 unauthorized ×2)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 when an answer is not 200', async () => {
    const io = captureIo();
    expect(await run(['send', url, '--token', 'wrong'], io)).toBe(1);
    expect(io.out[0]).toMatch(/^401 /);
  });

  it('sends the JSON of --file as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-send-'));
    try {
      const file = join(dir, 'body.json');
      writeFileSync(file, JSON.stringify(buildMaiAgentDelivery({ content: 'from a file' })));
      expect(await run(['send', url, '--token', token, '--file', file, '--count', '2'], captureIo())).toBe(0);
      expect(lines.join('\n')).toContain('from a file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says "no answer" and exits 1 when nothing listens', async () => {
    const closedUrl = url;
    await receiver?.close();
    receiver = undefined;
    const io = captureIo();
    expect(await run(['send', closedUrl, '--token', token], io)).toBe(1);
    expect(io.out[0]).toMatch(/^no answer /);
  });
});

describe('send to a /gptbots/ path', () => {
  it('sends a GPTBots body with GPTBOTS_WEBHOOK_TOKEN, without --provider', async () => {
    receiver = await startReceiver({ port: 0, host: '127.0.0.1', provider: 'gptbots', token: 'gt', log: (l) => lines.push(l) });
    const io = captureIo({ GPTBOTS_WEBHOOK_TOKEN: 'gt' });
    expect(await run(['send', receiver.url], io)).toBe(0);
    expect(io.out[0]).toMatch(/^200 /);
    expect(lines.join('\n')).toMatch(/200 delivered [0-9a-f]{24}/);
  });
});

describe('usage', () => {
  it.each([
    [['frobnicate'], "maiagent-webhook: unknown command 'frobnicate' (try --help)"],
    [['send'], 'maiagent-webhook: send takes exactly one <url>'],
    [['send', 'not a url'], "maiagent-webhook: 'not a url' is not an http:// or https:// URL"],
    [['send', 'http://127.0.0.1:1/', '--provider', 'slack'], "maiagent-webhook: --provider must be maiagent or gptbots, not 'slack'"],
    [['send', 'http://127.0.0.1:1/', '--count', '0'], "maiagent-webhook: --count must be a whole number of at least 1, not '0'"],
    [['send', 'http://127.0.0.1:1/', '--file', '/nonexistent.json'], "maiagent-webhook: cannot read --file '/nonexistent.json'"],
    [['send', 'localhost:3000/maiagent/webhook'], "maiagent-webhook: 'localhost:3000/maiagent/webhook' is not an http:// or https:// URL (did you mean http://localhost:3000/maiagent/webhook?)"],
    [['send', '127.0.0.1:3000/maiagent/webhook'], "maiagent-webhook: '127.0.0.1:3000/maiagent/webhook' is not an http:// or https:// URL (did you mean http://127.0.0.1:3000/maiagent/webhook?)"],
    [['listen', '--port', 'x'], "maiagent-webhook: --port must be a whole number of at least 0, not 'x'"],
    // Request paths start with '/' and carry no query: such a --path would answer every delivery 404.
    [['listen', '--path', 'hook'], "maiagent-webhook: --path must start with '/' and hold no '?' or '#', not 'hook' (did you mean /hook?)"],
    [['listen', '--path', '/hook?x=1'], "maiagent-webhook: --path must start with '/' and hold no '?' or '#', not '/hook?x=1'"],
  ])('%p fails with one clear line and exit code 2', async (argv, message) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toEqual([message]);
  });

  it.each([
    [['send', 'localhost:3000/maiagent/webhook?token=SECRET-1'], "maiagent-webhook: 'localhost:3000/maiagent/webhook?token=[redacted]' is not an http:// or https:// URL (did you mean http://localhost:3000/maiagent/webhook?token=[redacted]?)"],
    [['send', 'http://user:SECRET-2@127.0.0.1:1/maiagent/webhook'], "maiagent-webhook: 'http://[redacted]@127.0.0.1:1/maiagent/webhook' holds credentials (user:password@), which fetch refuses: pass the token with --token"],
    [['send', 'user:SECRET-3@localhost:3000/x'], "maiagent-webhook: '[redacted]@localhost:3000/x' is not an http:// or https:// URL"],
  ])('%p refuses the URL in one line, exit code 2, without echoing its secret', async (argv, message) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toEqual([message]);
    expect(io.err.join('\n')).not.toMatch(/SECRET/);
  });

  it.each([
    [['listen', '--token', ''], {}, "maiagent-webhook: --token is empty: give a token, or leave --token out to have one generated"],
    [['listen'], { MAIAGENT_WEBHOOK_TOKEN: '' }, 'maiagent-webhook: MAIAGENT_WEBHOOK_TOKEN is set but empty: set it to a token, or unset it to have one generated'],
    [['listen', '--provider', 'gptbots'], { GPTBOTS_WEBHOOK_TOKEN: '' }, 'maiagent-webhook: GPTBOTS_WEBHOOK_TOKEN is set but empty: set it to a token, or unset it to have one generated'],
  ])('%p with an empty token (env %p) is a usage mistake: one line naming where it came from, exit 2', async (argv, env, message) => {
    const io = captureIo(env);
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toEqual([message]);
  });

  it('reconcile --to without a scheme is refused in one line, exit code 2, without echoing its token', async () => {
    const io = captureIo({ MAIAGENT_API_KEY: 'key' });
    expect(await run(['reconcile', '--chatbot', 'abc', '--to', 'localhost:3000/x?token=SECRET-4'], io)).toBe(2);
    expect(io.err).toEqual(["maiagent-webhook: --to 'localhost:3000/x?token=[redacted]' is not an http:// or https:// URL (did you mean http://localhost:3000/x?token=[redacted]?)"]);
  });

  it('with no command, prints the usage and exits 2', async () => {
    const io = captureIo();
    expect(await run([], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/^Usage: maiagent-webhook <command>[\s\S]*listen[\s\S]*send[\s\S]*dead-letters[\s\S]*reconcile/);
    expect(io.out).toEqual([]);
  });

  it('dead-letters with no subcommand is a mistake like a bare command: its usage on stderr, exit 2', async () => {
    const io = captureIo();
    expect(await run(['dead-letters'], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/^Usage: maiagent-webhook dead-letters/);
    expect(io.out).toEqual([]);
  });

  it.each([[['--version']], [['-v']], [['version']]])('%p prints the package version and exits 0', async (argv) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(0);
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(io.out).toEqual([version]);
  });

  it('reports an unknown flag in one line', async () => {
    const io = captureIo();
    expect(await run(['send', 'http://x', '--bogus'], io)).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/^maiagent-webhook: Unknown option '--bogus'/);
  });

  it.each([[['--help']], [['listen', '--help']], [['send', '--help']]])('%p prints usage and exits 0', async (argv) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(0);
    expect(io.out[0]).toMatch(/^Usage: maiagent-webhook/);
  });
});

/**
 * The built command in a process of its own: its exit code and lines, or 'killed' when it outlived the bound (the
 * bound only keeps a hung command from hanging the suite). `closeStdout` closes the reading end of its stdout, as
 * `| head -1` does once it has its line.
 */
function runBuiltCli(args: string[], { boundMs = 10_000, env = {}, closeStdout = false }: { boundMs?: number; env?: NodeJS.ProcessEnv; closeStdout?: boolean } = {}) {
  const child = spawn(process.execPath, [join(testBuildDir(), 'cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MAIAGENT_WEBHOOK_TOKEN: '', ...env } });
  let out = '';
  let err = '';
  if (closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let killed = false;
  const bound = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, boundMs);
  const exited = new Promise<{ code: number | 'killed'; out: string[]; err: string[] }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(bound);
      const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
      resolve({ code: killed ? 'killed' : (code ?? -1), out: lines(out), err: lines(err) });
    }),
  );
  return { child, exited };
}

/** Outlives runBuiltCli's kill bound, so that a hung command fails as 'killed', not as jest's timeout. */
const PROCESS_TEST_MS = 20_000;

/** A TCP server that accepts every connection and never says a word. */
async function silentServer(): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('send against a receiver that does not finish its answer (the built CLI, in a process of its own)', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a server that accepts the connection and never answers: "no answer within 1 s", exit 1, by itself', async () => {
    server = await silentServer();
    const { code, out, err } = await runBuiltCli(['send', `${server.url}/maiagent/webhook`, '--token', 't', '--timeout', '1']).exited;
    expect(code).toBe(1);
    expect(out).toEqual(['no answer within 1 s']);
    expect(err).toEqual([]);
    }, PROCESS_TEST_MS);

  it('a server that sends 200 headers then stalls the body: "no answer within 1 s", exit 1, by itself', async () => {
    server = await listenOnLoopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"message":');
    });
    const { code, out, err } = await runBuiltCli(['send', `${server.url}/maiagent/webhook`, '--token', 't', '--timeout', '1']).exited;
    expect(code).toBe(1);
    expect(out).toEqual(['no answer within 1 s']);
    expect(err).toEqual([]);
    }, PROCESS_TEST_MS);

  it.each([['0'], ['abc'], ['1e400'], ['3000000'], ['1e-9']])('--timeout %p is a usage mistake: one line, exit 2', async (value) => {
    const io = captureIo();
    expect(await run(['send', 'http://127.0.0.1:1/', '--timeout', value], io)).toBe(2);
    expect(io.err).toEqual([`maiagent-webhook: --timeout must be a number of seconds from 0.001 to 2147483 (the longest a timer waits), not '${value}'`]);
  });
});

describe('send never prints the token it was given, even when the receiver echoes it', () => {
  let echo: RunningServer | undefined;
  afterEach(async () => {
    await echo?.close();
    echo = undefined;
  });
  const echoing = (status: number) =>
    listenOnLoopback((req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unauthorized ${req.headers.authorization ?? ''}`, youSent: req.headers.authorization, url: req.url }));
    });

  it('the Bearer token (from --token or the variable) and the URL\'s ?token= value are written [redacted] in the printed body', async () => {
    echo = await echoing(401);
    const fromFlag = captureIo();
    expect(await run(['send', `${echo.url}/maiagent/webhook?token=QUERY%2FSEKRET`, '--token', 'BEARERSEKRET'], fromFlag)).toBe(1);
    expect(fromFlag.out).toEqual(['401 {"error":"unauthorized Bearer [redacted]","youSent":"Bearer [redacted]","url":"/maiagent/webhook?token=[redacted]"}']);
    const fromEnv = captureIo({ MAIAGENT_WEBHOOK_TOKEN: 'ENVSEKRET' });
    expect(await run(['send', `${echo.url}/maiagent/webhook`], fromEnv)).toBe(1);
    expect(fromEnv.out.join('\n')).not.toContain('SEKRET');
    expect(fromEnv.out.join('\n')).toContain('Bearer [redacted]');
  });

  it('nor the token as a receiver may echo it: URL-encoded or JSON-escaped', async () => {
    const token = 'SEK\\RET"q+tok/x=y%z';
    echo = await listenOnLoopback((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', escaped: req.headers.authorization, encoded: encodeURIComponent(String(req.headers.authorization)) }));
    });
    const io = captureIo();
    expect(await run(['send', `${echo.url}/maiagent/webhook`, '--token', token], io)).toBe(1);
    expect(io.out.join('\n')).not.toMatch(/SEK|tok%2Fx/);
  });

  it('a receiver that redirects is not followed: the 3xx is the answer, exit 1 (the platform would retry it)', async () => {
    let followed = 0;
    const elsewhere = await listenOnLoopback((_req, res) => {
      followed += 1;
      res.writeHead(200).end('{}');
    });
    echo = await listenOnLoopback((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/x` }).end());
    try {
      const io = captureIo();
      expect(await run(['send', `${echo.url}/maiagent/webhook`, '--token', 't'], io)).toBe(1);
      expect({ followed, line: io.out[0]?.slice(0, 4) }).toEqual({ followed: 0, line: '302 ' });
    } finally {
      await elsewhere.close();
    }
  });

  it('nor in the --count summary, whose refusal codes come from the answers', async () => {
    echo = await echoing(401);
    const io = captureIo();
    expect(await run(['send', `${echo.url}/maiagent/webhook`, '--token', 'BEARERSEKRET', '--count', '2'], io)).toBe(1);
    expect(io.out).toEqual(['sent 2: 2 refused (401 unauthorized Bearer [redacted] ×2)']);
  });
});

describe('a closed stdout (`| head -1`) (the built CLI, in a process of its own)', () => {
  it('listen keeps answering every delivery after its reader went away, and prints no stack', async () => {
    const { child, exited } = runBuiltCli(['listen', '--port', '0', '--token', 't'], { env: {} });
    const firstLine = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0] ?? '')));
    child.stdout.destroy();
    const url = (/listening on (\S+)/.exec(firstLine)?.[1] ?? '').replace('localhost', '127.0.0.1');
    const deliver = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(buildMaiAgentDelivery()) }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await deliver());
    expect(statuses).toEqual([200, 200, 200]);
    child.kill('SIGTERM');
    const { err } = await exited;
    expect(err.join('\n')).not.toMatch(/EPIPE|\s+at /);
  }, PROCESS_TEST_MS);
});

describe('reconcile refuses a --base-url as it refuses --to: one line naming it, exit 2, before any request', () => {
  const env = { MAIAGENT_API_KEY: 'APIKEYX' };
  it.each([
    [['--base-url', 'localhost:8080/api/v1/'], "maiagent-webhook: --base-url 'localhost:8080/api/v1/' is not an http:// or https:// URL (did you mean http://localhost:8080/api/v1/?)"],
    [['--base-url', 'ftp://api.example.com/api/v1/'], "maiagent-webhook: --base-url 'ftp://api.example.com/api/v1/' is not an http:// or https:// URL"],
    [['--base-url', 'https://user:PWSEKRET@api.example.com/api/v1/'], "maiagent-webhook: --base-url 'https://[redacted]@api.example.com/api/v1/' holds credentials (user:password@): the API key comes from MAIAGENT_API_KEY"],
    [['--base-url', 'http://api.example.com/api/v1/'], 'maiagent-webhook: refusing to send the API key over plain http (--base-url api.example.com/api/v1/): pass --allow-http to allow it'],
    [['--chatbot', '../x'], "maiagent-webhook: --chatbot must be a non-empty id, without '/', and not '.' or '..'"],
    [['--max-pages', '0'], "maiagent-webhook: --max-pages must be a whole number of at least 1, not '0'"],
  ])('%p', async (args, message) => {
    const io = captureIo(env);
    expect(await run(['reconcile', '--chatbot', 'bot-1', ...args], io)).toBe(2);
    expect(io.err).toEqual([message]);
  });

  it('MAIAGENT_API_BASE_URL is checked the same way, by its name', async () => {
    const io = captureIo({ ...env, MAIAGENT_API_BASE_URL: 'http://api.example.com/api/v1/' });
    expect(await run(['reconcile', '--chatbot', 'bot-1'], io)).toBe(2);
    expect(io.err).toEqual(['maiagent-webhook: refusing to send the API key over plain http (MAIAGENT_API_BASE_URL api.example.com/api/v1/): pass --allow-http to allow it']);
  });
});

describe('usage mistakes never echo a value that may be a secret', () => {
  it.each([
    [['reconcile', '--chatbot', 'b', 'APIKEYX'], {}, "maiagent-webhook: reconcile takes no positional argument, yet argument 3 after 'reconcile' is one (not shown: it may be a secret)"],
    [['listen', 'SEKRET'], {}, "maiagent-webhook: listen takes no positional argument, yet argument 1 after 'listen' is one (not shown: it may be a secret)"],
    [['listen', '--tokn=SEKRET'], {}, "maiagent-webhook: Unknown option '--tokn' (try 'maiagent-webhook listen --help')"],
    [['send', 'http://127.0.0.1:1/', '--api-key=APIKEYX'], {}, "maiagent-webhook: Unknown option '--api-key' (try 'maiagent-webhook send --help')"],
    [['reconcile', '--chatbot', 'b', '--since', 'https://x/?token=SEKRET'], { MAIAGENT_API_KEY: 'k' }, "maiagent-webhook: --since 'https://x/?token=[redacted]' is neither a date nor epoch milliseconds"],
    [['reconcile', '--chatbot', 'b', '--max-age', 'http://u:SEKRET@x/'], { MAIAGENT_API_KEY: 'k' }, "maiagent-webhook: --max-age must be a positive number of hours, not 'http://[redacted]@x/'"],
    [['listen', '--path', '/a?token=SEKRET'], {}, "maiagent-webhook: --path must start with '/' and hold no '?' or '#', not '/a?token=[redacted]'"],
    [['listen'], { PORT: 'abc' }, "maiagent-webhook: PORT must be a whole number of at least 0, not 'abc'"],
    [['listen'], { PORT: '70000' }, "maiagent-webhook: PORT must be at most 65535, not '70000'"],
  ])('%p (env %p)', async (argv, env, message) => {
    const io = captureIo(env);
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toEqual([message]);
  });
});
