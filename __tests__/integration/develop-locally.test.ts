// docs/develop-locally.md as a reader follows it, against a fake MaiAgent on loopback (a plain-http port stands in for
// the tunnel): `listen` runs, the webhook URL is saved with examples/set-webhook-url.ts, examples/create-message.sh
// sends one message with curl, the reply reaches listen; then a reply missed while listen was down is found by
// `reconcile --dry-run` and replayed by `reconcile`. The commands run are the ones the page shows.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run, type Io, type RunningReceiver } from '../../src/cli';
import { startFakeMaiAgent, FAKE_MAIAGENT_API_KEY, type FakeMaiAgent } from '../../src/testing';

const root = join(__dirname, '..', '..');
const page = readFileSync(join(root, 'docs/develop-locally.md'), 'utf8');
const TOKEN = 'develop-locally-token';
const CHATBOT = 'chatbot-1';

/** What `npx maiagent-webhook <args>` does, in-process: the same dispatcher as the binary, its lines collected. */
async function maiagentWebhook(shown: string, args: string[], env: NodeJS.ProcessEnv, lines: string[]) {
  expect(page).toContain(shown);
  const io: Io = { env, log: (line) => lines.push(line), error: (line) => lines.push(line) };
  return run(args, io);
}

let fake: FakeMaiAgent;
let receiver: RunningReceiver | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  fake = await startFakeMaiAgent({ replyDelayMs: 10 });
});
afterAll(async () => {
  process.env = saved;
  await receiver?.close().catch(() => {}); // already closed when the test stopped half-way
  await fake.close();
});

it('listen, the URL saved, one message sent with curl: the reply arrives; one missed while listen was down is replayed by reconcile', async () => {
  const env = { MAIAGENT_WEBHOOK_TOKEN: TOKEN, MAIAGENT_API_KEY: FAKE_MAIAGENT_API_KEY, MAIAGENT_API_BASE_URL: fake.url };
  const listened: string[] = [];
  receiver = (await maiagentWebhook('npx maiagent-webhook listen', ['listen', '--port', '0'], env, listened)) as RunningReceiver;
  const port = new URL(receiver.url).port;

  // The tunnel's public URL stands in as loopback; set-webhook-url.ts reads it from PUBLIC_URL.
  Object.assign(process.env, env, { PUBLIC_URL: `http://127.0.0.1:${port}`, MAIAGENT_CHATBOT_ID: CHATBOT });
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  await (await import('../../examples/set-webhook-url')).saved;
  expect(fake.webhookUrl).toBe(`http://127.0.0.1:${port}/maiagent/webhook?token=${TOKEN}`);
  expect(log.mock.calls).toEqual([[`chatbot ${CHATBOT} delivers to http://127.0.0.1:${port}/maiagent/webhook`]]);
  log.mockRestore();

  const sent = await createMessage(env);
  expect(sent).toMatchObject({ type: 'incoming', content: 'Hello from my laptop' });
  expect(fake.requests.filter(({ method }) => method === 'POST').map(({ path, authorization, body }) => [path, authorization, body])).toEqual([
    ['conversations/', `Api-Key ${FAKE_MAIAGENT_API_KEY}`, { webChat: 'web-chat-1' }],
    ['messages/', `Api-Key ${FAKE_MAIAGENT_API_KEY}`, { conversation: sent.conversation, content: 'Hello from my laptop' }],
  ]);
  await fake.settled();
  expect(listened.join('\n')).toMatch(new RegExp(`200 delivered [0-9a-f-]{36}\\n {2}conversation ${sent.conversation}, at \\S+, from Assistant \\(789\\)\\n {2}echo: Hello from my laptop`));
  // The token came from the environment: listen never prints it.
  expect(listened.join('\n')).not.toContain(TOKEN);

  // The laptop was off when a reply came: MaiAgent recorded no answer.
  await receiver.close();
  const missed = await createMessage(env);
  await fake.settled();
  expect(fake.webhookRecords.map(({ statusCode }) => statusCode)).toEqual([200, null]);
  expect(masked(listened.at(-1) ?? '')).toBe(masked(shownAfter('<!-- listen-output -->')));
  listened.length = 0;
  receiver = (await maiagentWebhook('npx maiagent-webhook listen', ['listen', '--port', port], env, listened)) as RunningReceiver;

  // The page's commands name no --allow-http: the tunnel's URL is https. The loopback stand-in is not, so the
  // output the page shows comes with the command that made it, --allow-http included, and that command is run here.
  const dryRun: string[] = [];
  const reconcile = 'npx maiagent-webhook reconcile --chatbot "$MAIAGENT_CHATBOT_ID"';
  expect(page).toContain(`\n${reconcile} --dry-run\n`);
  const [command, ...output] = shownAfter('<!-- reconcile-output -->').split('\n');
  expect(command).toBe(`$ ${reconcile} --dry-run --allow-http`);
  expect(await maiagentWebhook(`${reconcile} --dry-run --allow-http`, ['reconcile', '--chatbot', CHATBOT, '--dry-run', '--allow-http'], env, dryRun)).toBe(0);
  expect(masked(dryRun.join('\n'))).toBe(masked(output.join('\n')));
  const withoutAllowHttp: string[] = [];
  expect(await maiagentWebhook(`${reconcile} --dry-run`, ['reconcile', '--chatbot', CHATBOT, '--dry-run'], env, withoutAllowHttp)).toBe(2);
  expect(withoutAllowHttp).toEqual([expect.stringMatching(/^maiagent-webhook: refusing to replay to plain http \(.*\): pass --allow-http to allow it$/)]);
  expect(listened.filter((line) => line.startsWith('200 delivered'))).toHaveLength(0);

  const replayed: string[] = [];
  expect(await maiagentWebhook(`${reconcile}\n`, ['reconcile', '--chatbot', CHATBOT, '--allow-http'], env, replayed)).toBe(0);
  expect(replayed.join('\n')).toMatch(/replayed 1/);
  expect(listened.join('\n')).toMatch(new RegExp(`200 delivered [0-9a-f-]{36}\\n {2}conversation ${missed.conversation}, .*\\n {2}echo: Hello from my laptop`));

  // As the page says: MaiAgent records no replay, so every run sends it again; the receiver's store decides.
  const again: string[] = [];
  expect(await maiagentWebhook(`${reconcile}\n`, ['reconcile', '--chatbot', CHATBOT, '--allow-http'], env, again)).toBe(0);
  expect(again.join('\n')).toMatch(/^replayed 0, already delivered 1,/);
  await receiver.close();
  listened.length = 0;
  receiver = (await maiagentWebhook('npx maiagent-webhook listen', ['listen', '--port', port], env, listened)) as RunningReceiver;
  const afterRestart: string[] = [];
  expect(await maiagentWebhook(`${reconcile}\n`, ['reconcile', '--chatbot', CHATBOT, '--allow-http'], env, afterRestart)).toBe(0);
  expect(afterRestart.join('\n')).toMatch(/^replayed 1, already delivered 0,/);
  expect(listened.filter((line) => line.startsWith('200 delivered'))).toHaveLength(1);
});

it('set-webhook-url.ts run in a terminal without MAIAGENT_WEBHOOK_TOKEN saves nothing, and says which variable is missing', async () => {
  const patches = () => fake.requests.filter(({ method }) => method === 'PATCH').length;
  const before = patches();
  const { MAIAGENT_WEBHOOK_TOKEN: _unset, ...env } = saved;
  process.env = { ...env, MAIAGENT_API_KEY: FAKE_MAIAGENT_API_KEY, MAIAGENT_API_BASE_URL: fake.url, PUBLIC_URL: 'https://tunnel.example', MAIAGENT_CHATBOT_ID: CHATBOT };
  try {
    // Saved, the URL would end in `?token=` and MaiAgent's every delivery would be refused 401.
    await jest.isolateModulesAsync(async () => {
      await expect(import('../../examples/set-webhook-url')).rejects.toThrow(/MAIAGENT_WEBHOOK_TOKEN/);
    });
  } finally {
    process.env = { ...saved };
  }
  expect(patches()).toBe(before);
});

it('create-message.sh with a key MaiAgent refuses stops at the conversation, shows why, and sends no message', async () => {
  const posts = () => fake.requests.filter(({ method }) => method === 'POST').map(({ path }) => path);
  const before = posts().length;
  const failed = await createMessage({ MAIAGENT_API_KEY: 'not-the-key', MAIAGENT_API_BASE_URL: fake.url }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
  expect(failed.code).not.toBe(0);
  expect(failed.stderr).toMatch(/401/);
  expect(failed.stderr).toMatch(/detail/); // MaiAgent's answer, not swallowed
  expect(posts().slice(before)).toEqual(['conversations/']);
});

it("the page's token line sets MAIAGENT_WEBHOOK_TOKEN to 32 random base64url characters, new each time", async () => {
  const line = page.split('\n').find((l) => l.startsWith('export MAIAGENT_WEBHOOK_TOKEN='));
  if (!line) throw new Error('docs/develop-locally.md shows no token line');
  const token = async () => (await promisify(execFile)('sh', ['-c', `${line}\nprintf %s "$MAIAGENT_WEBHOOK_TOKEN"`])).stdout;
  const [first, second] = [await token(), await token()];
  expect(first).toMatch(/^[\w-]{32}$/);
  expect(second).toMatch(/^[\w-]{32}$/);
  expect(first).not.toBe(second);
});

/** The `text` block the page shows after `marker`: output taken from a run like this one. */
function shownAfter(marker: string): string {
  const shown = new RegExp(`${marker}\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\``).exec(page)?.[1];
  if (shown === undefined) throw new Error(`docs/develop-locally.md shows no text block after ${marker}`);
  return shown;
}

/** Output with what differs between runs (ids, ports, times) replaced by placeholders. */
function masked(output: string): string {
  return output.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>').replace(/:\d{2,5}\//g, ':<port>/').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
}

/** examples/create-message.sh, run by sh as the page shows, against the fake; its output is the stored message. */
async function createMessage(env: Record<string, string>): Promise<{ conversation: string; type: string; content: string }> {
  const { stdout } = await promisify(execFile)('sh', [join(root, 'examples/create-message.sh')], { env: { ...process.env, ...env, MAIAGENT_WEB_CHAT_ID: 'web-chat-1' } });
  return JSON.parse(stdout) as { conversation: string; type: string; content: string };
}
