// The packed tarball, as users get it: imported from ESM and CommonJS JavaScript, and from TypeScript with
// moduleResolution node16 and bundler.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { consumerProject, packTarball } from '../support/tarball';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let work: string;
let tarball: string;

const TYPES = ['express', 'express-serve-static-core', 'node', 'serve-static', 'qs', 'range-parser', 'send', 'mime', 'http-errors', 'body-parser', 'connect'].map((name) => `@types/${name}`);

/** A consumer project with the unpacked tarball; the TypeScript consumers need express's and node's types. */
function project(name: string, files: Record<string, string>): string {
  return consumerProject(join(work, name), tarball, files, TYPES);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'maiagent-webhook-pack-'));
  tarball = packTarball(work);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const consumerScript = (load: string) => `
${load}
(async () => {
  const token = 't';
  const handler = fetchEntry.maiagentWebhook({ authToken: token, onMessage() {} });
  const response = await handler(new Request('https://x.test/hook?token=t', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(testing.buildMaiAgentDelivery()) }));
  const kinds = [typeof main.maiagentWebhook, typeof main.gptbotsWebhook, typeof node.maiagentWebhook, typeof redis.RedisStore, typeof main.MemoryStore];
  console.log(JSON.stringify({ status: response.status, kinds }));
})();
`;

const expected = { status: 200, kinds: ['function', 'function', 'function', 'function', 'function'] };

it('ships only the build, the README, the license and package.json', () => {
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const tops = new Set(listing.map((path) => path.replace(/^package\//, '').split('/')[0]));
  expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
  expect(listing.some((path) => path.endsWith('.map'))).toBe(false);
});

it('works from an ES module project', () => {
  const dir = project('esm', {
    'package.json': '{"type":"module"}',
    'main.js': consumerScript(`
import * as main from 'maiagent-webhook';
import * as node from 'maiagent-webhook/node';
import * as fetchEntry from 'maiagent-webhook/fetch';
import * as redis from 'maiagent-webhook/redis';
import * as testing from 'maiagent-webhook/testing';`),
  });
  expect(JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' }))).toEqual(expected);
});

it('works from a CommonJS project', () => {
  const dir = project('cjs', {
    'package.json': '{"type":"commonjs"}',
    'main.js': consumerScript(`
const main = require('maiagent-webhook');
const node = require('maiagent-webhook/node');
const fetchEntry = require('maiagent-webhook/fetch');
const redis = require('maiagent-webhook/redis');
const testing = require('maiagent-webhook/testing');`),
  });
  expect(JSON.parse(execFileSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' }))).toEqual(expected);
});

it('is the same module whether imported or required (no dual-package hazard)', () => {
  const dir = project('mixed', {
    'package.json': '{"type":"module"}',
    'main.js': `
import { createRequire } from 'node:module';
import { MemoryStore } from 'maiagent-webhook';
const required = createRequire(import.meta.url)('maiagent-webhook');
console.log(JSON.stringify(required.MemoryStore === MemoryStore));`,
  });
  expect(execFileSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('true');
});

const typescriptConsumer = `
import express from 'express';
import { maiagentWebhook, type MaiAgentMessage, type Rejection } from 'maiagent-webhook';
import { gptbotsWebhook } from 'maiagent-webhook/fetch';
import { maiagentWebhook as nodeWebhook } from 'maiagent-webhook/node';
import { RedisStore } from 'maiagent-webhook/redis';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';

const app = express();
app.post('/hook', maiagentWebhook({ authToken: 't', onMessage: (message: MaiAgentMessage) => message.content.length, onRejected: (r: Rejection) => r.code }));
const handler: (request: Request) => Promise<Response> = gptbotsWebhook({ authToken: 't', onMessage: (m) => (m.version === 2 ? m.output : m.flow_output) });
const store = new RedisStore({ sendCommand: async () => 'OK' });
nodeWebhook({ authToken: ['a', 'b'], store, onMessage: ({ created_at }) => created_at.padStart(13) });
export const sample: string = buildMaiAgentDelivery().id;
export { handler };
`;

it.each([
  ['node16', { module: 'node16', moduleResolution: 'node16' }, '{"type":"module"}'],
  ['node16 (CommonJS)', { module: 'node16', moduleResolution: 'node16' }, '{"type":"commonjs"}'],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, '{"type":"module"}'],
])('type-checks from a TypeScript project with moduleResolution %s', (name, options, packageJson) => {
  const dir = project(`ts-${name.replace(/\W+/g, '-')}`, {
    'package.json': packageJson,
    'tsconfig.json': JSON.stringify({ compilerOptions: { ...options, strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'], esModuleInterop: true }, files: ['main.ts'] }),
    'main.ts': typescriptConsumer,
  });
  mkdirSync(join(dir, 'node_modules', 'express'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'express', 'package.json'), '{"name":"express","types":"../@types/express/index.d.ts"}');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
});

it('has no runtime dependency: the validators are generated code', () => {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  expect(manifest.dependencies).toBeUndefined();
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  for (const file of listing.split('\n').filter((f) => f.endsWith('.js'))) {
    const code = execFileSync('tar', ['-xzOf', tarball, file], { encoding: 'utf8' });
    expect({ file, requiresAjv: /require\("ajv/.test(code) }).toEqual({ file, requiresAjv: false });
  }
});

describe('in a project with only maiagent-webhook installed (no Express)', () => {
  it('the CLI prints its help, listens, and sends', async () => {
    const dir = consumerProject(join(work, 'cli-only'), tarball, { 'package.json': '{"name":"cli-only","private":true}' });
    const cli = join(dir, 'node_modules', 'maiagent-webhook', 'dist', 'cli.js');
    expect(execFileSync(process.execPath, [cli, '--help'], { cwd: dir, encoding: 'utf8' })).toMatch(/listen/);
    const listening = spawn(process.execPath, [cli, 'listen', '--port', '0', '--token', 'cli-token'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        listening.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve((match[1] as string).replace('localhost', '127.0.0.1'));
        });
        listening.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        listening.once('exit', (code) => reject(new Error(`listen exited with ${code}: ${output}`)));
      });
      const sent = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const sending = spawn(process.execPath, [cli, 'send', url, '--token', 'cli-token'], { cwd: dir });
        let output = '';
        sending.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        sending.once('exit', (code) => resolve({ code, output }));
      });
      expect(sent).toMatchObject({ code: 0, output: expect.stringContaining('200') });
    } finally {
      listening.kill();
    }
  });
});

describe('types per entry point', () => {
  const compile = (dir: string) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  const strictTsconfig = (lib: string[], types: string[]) =>
    JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true, noEmit: true, target: 'es2022', lib, types, skipLibCheck: false }, files: ['main.ts'] });

  it('/fetch needs neither Node’s types nor Express’s (skipLibCheck off, no @types installed)', () => {
    const dir = consumerProject(join(work, 'types-fetch'), tarball, {
      'package.json': '{"type":"module"}',
      'tsconfig.json': strictTsconfig(['es2022', 'dom', 'dom.iterable'], []),
      'main.ts': `import { maiagentWebhook, MemoryStore, type DeliveryOutcome } from 'maiagent-webhook/fetch';
export const handler: (request: Request) => Promise<Response> = maiagentWebhook({
  authToken: 'token',
  store: new MemoryStore({ maxEntries: 1000 }),
  onMessage: async (message, { reply }) => { void message.content; void reply.conversationId; },
  onOutcome: (outcome: DeliveryOutcome) => { void outcome.code; },
});
`,
    });
    expect(() => compile(dir)).not.toThrow();
  });

  it('/node needs Node’s types only, not Express’s', () => {
    const dir = consumerProject(join(work, 'types-node'), tarball, {
      'package.json': '{"type":"module"}',
      'tsconfig.json': strictTsconfig(['es2022'], ['node']),
      'main.ts': `import { createServer } from 'node:http';
import { maiagentWebhook } from 'maiagent-webhook/node';
export const server = createServer(maiagentWebhook({ authToken: 'token', onMessage() {} }));
`,
    }, ['@types/node', 'undici-types']);
    expect(() => compile(dir)).not.toThrow();
  });

  it('/client compiles as the README writes it under `tsc --init`’s exactOptionalPropertyTypes (options from the environment may be undefined)', () => {
    const dir = consumerProject(join(work, 'types-client-exact'), tarball, {
      'package.json': '{"type":"module"}',
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true, exactOptionalPropertyTypes: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: ['node'] }, files: ['main.ts'] }),
      'main.ts': `import { createMaiAgentClient, ReplyHub } from 'maiagent-webhook/client';
const maiagent = createMaiAgentClient({ apiKey: process.env.MAIAGENT_API_KEY ?? '', baseUrl: process.env.MAIAGENT_API_BASE_URL });
export const ask = (conversation: string, timeoutMs?: number, signal?: AbortSignal) =>
  maiagent.ask({ conversation, content: 'hi' }, { replies: new ReplyHub(), timeoutMs, signal });
export const read = (timeoutMs?: number) => maiagent.chatbots.get('bot-1', { timeoutMs });
`,
    }, ['@types/node', 'undici-types']);
    const errors = (() => {
      try {
        return compile(dir);
      } catch (error) {
        return String((error as { stdout?: unknown }).stdout);
      }
    })();
    expect(errors).toBe('');
  });

  it('deno check passes on a Deno consumer of /fetch', () => {
    const dir = consumerProject(join(work, 'types-deno'), tarball, {
      'package.json': '{"type":"module","dependencies":{"maiagent-webhook":"*"}}',
      'main.ts': `import { maiagentWebhook } from 'maiagent-webhook/fetch';
const webhook = maiagentWebhook({ authToken: 'token', onMessage: (message) => { console.log(message.content); } });
export default { fetch: (request: Request): Promise<Response> => webhook(request) };
`,
    });
    const deno = join(__dirname, '..', '..', 'node_modules', '.bin', 'deno');
    expect(() => execFileSync(deno, ['check', 'main.ts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(work, 'deno-cache') } })).not.toThrow();
  }, 60_000);
});
