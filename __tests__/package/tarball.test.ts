// The packed tarball, as users get it: imported from ESM and CommonJS JavaScript, and from TypeScript with
// moduleResolution node16 and bundler.
import { execFileSync } from 'node:child_process';
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
