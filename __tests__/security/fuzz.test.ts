// Property-based: random methods, headers, tokens and bodies, 10,000 cases over the three runtimes; then 3,000 documented
// samples with null in any combination of the positions the package can do without, every one of them delivered. Never a crash or
// an unhandled rejection, never a 2xx or a callback for an unauthenticated request, every answer short JSON with a
// documented status, and the token nowhere in a response or a hook argument.
import fc from 'fast-check';
import express from 'express';
import * as expressEntry from 'maiagent-webhook';
import * as nodeEntry from 'maiagent-webhook/node';
import * as fetchEntry from 'maiagent-webhook/fetch';
import { OUTCOMES, type Rejection, type WebhookOptions, type MaiAgentMessage, type GptBotsMessage } from 'maiagent-webhook';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { listenOnLoopback, type RunningServer } from '../support/server';
import { SAMPLES, nonEssentialPaths, withNullAt, type Sample } from '../support/samples';

const TOKEN = 'fuzz-token-Zq8T4m9Kx2';
const DOCUMENTED_STATUSES = new Set(Object.values(OUTCOMES).map((o) => o.status));
type Factory = 'maiagentWebhook' | 'gptbotsWebhook';

interface Case {
  factory: Factory;
  method: string;
  credential: { header?: string; query?: string; authentic: boolean };
  contentType: string | undefined;
  body: string | Uint8Array;
}

const validDelivery = (factory: Factory) => (factory === 'maiagentWebhook' ? buildMaiAgentDelivery() : buildGptBotsDelivery());

const credential = fc.oneof(
  fc.constant({ authentic: false }),
  fc.constant({ header: `Bearer ${TOKEN}`, authentic: true }),
  fc.constant({ header: `bearer   ${TOKEN} `, authentic: true }),
  fc.constant({ query: TOKEN, authentic: true }),
  fc.string().map((s) => ({ header: `Bearer ${s}`, authentic: s.trim() === TOKEN })),
  fc.string().map((s) => ({ header: s, authentic: false })),
  fc.string({ minLength: 1 }).map((s) => ({ query: s, authentic: s.trim() === TOKEN })),
  fc.constant({ header: `Bearer ${TOKEN.slice(0, -1)}`, authentic: false }),
);

/** A valid delivery, one with a field replaced by any JSON value, any JSON at all, any text, or any bytes. */
const body = (factory: Factory) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(null).map(() => JSON.stringify(validDelivery(factory))) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom('id', 'message_id', 'content', 'created_at', 'sender', 'citations', 'output', 'create_time', '__proto__', 'conversation'), fc.jsonValue()).map(([key, value]) => {
        const delivery: Record<string, unknown> = { ...validDelivery(factory) };
        delivery[key] = value;
        return JSON.stringify(delivery);
      }),
    },
    { weight: 2, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  );

const caseOf = (factories: Factory[]) =>
  fc.constantFrom(...factories).chain((factory) =>
    fc.record<Case>({
      factory: fc.constant(factory),
      method: fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
      credential,
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-16', 'application/x+json') },
        { weight: 1, arbitrary: fc.string() },
      ),
      body: body(factory),
    }),
  );

/** What every case records, to check properties within it and over the whole run. */
const seen = { responses: [] as string[], rejections: [] as Rejection[], callbacks: 0 };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
  const everything = JSON.stringify([seen.responses, seen.rejections]);
  expect(everything.includes(TOKEN)).toBe(false);
});

function optionsFor(): WebhookOptions<MaiAgentMessage> & WebhookOptions<GptBotsMessage> {
  return {
    authToken: TOKEN,
    limit: '4kb',
    onMessage: () => {
      seen.callbacks += 1;
    },
    onRejected: (rejection) => void seen.rejections.push(rejection),
  };
}

type Send = (c: Case) => Promise<{ status: number; text: string }>;

function requestParts(c: Case): { query: string; init: RequestInit } {
  const headers: Record<string, string> = {};
  if (c.credential.header !== undefined) headers.authorization = c.credential.header;
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  const hasBody = c.method !== 'GET' && c.method !== 'OPTIONS';
  return {
    query: c.credential.query === undefined ? '' : `?token=${encodeURIComponent(c.credential.query)}`,
    init: { method: c.method, headers, body: hasBody ? (c.body as BodyInit) : null },
  };
}

/** Header values fetch refuses to send (control characters, non-Latin-1) never reach a server: skip those cases. */
function sendable(c: Case): boolean {
  const values = [c.credential.header, c.contentType].filter((v): v is string => v !== undefined);
  return values.every((v) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v) && v === v.trim());
}

async function checkCase(c: Case, send: Send): Promise<void> {
  const callbacksBefore = seen.callbacks;
  const { status, text } = await send(c);
  seen.responses.push(text);
  expect(DOCUMENTED_STATUSES.has(status)).toBe(true);
  expect(text.length).toBeLessThan(2048);
  expect(typeof JSON.parse(text)).toBe('object');
  const calledBack = seen.callbacks > callbacksBefore;
  if (!c.credential.authentic) {
    expect(status === 401 || status === 405).toBe(true);
    expect(calledBack).toBe(false);
  }
  if (status >= 200 && status < 300) expect(c.credential.authentic).toBe(true);
  if (calledBack) expect(status).toBe(200);
}

function property(factories: Factory[], send: Send, numRuns: number) {
  return fc.assert(
    fc.asyncProperty(caseOf(factories).filter(sendable), (c) => checkCase(c, send)),
    { numRuns, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
  );
}

describe('fuzzing every runtime', () => {
  it('fetch adapter, both presets: 7,000 cases', async () => {
    const handlers = { maiagentWebhook: fetchEntry.maiagentWebhook(optionsFor()), gptbotsWebhook: fetchEntry.gptbotsWebhook(optionsFor()) };
    await property(['maiagentWebhook', 'gptbotsWebhook'], async (c) => {
      const { query, init } = requestParts(c);
      const response = await handlers[c.factory](new Request(`http://127.0.0.1/hook${query}`, init));
      return { status: response.status, text: await response.text() };
    }, 7000);
  }, 120_000);

  describe.each([
    ['Express', () => express().use(expressEntry.maiagentWebhook(optionsFor()))],
    ['node:http', () => nodeEntry.maiagentWebhook(optionsFor())],
  ] as const)('%s adapter over HTTP: 1,500 cases', (_name, listener) => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await listenOnLoopback(listener());
    });
    afterAll(() => server.close());

    it('holds every property', async () => {
      await property(['maiagentWebhook'], async (c) => {
        const { query, init } = requestParts(c);
        const response = await fetch(`${server.url}/hook${query}`, init);
        return { status: response.status, text: await response.text() };
      }, 1500);
    }, 120_000);
  });
});

describe('null in every non-essential position', () => {
  const TIMESTAMP_FIELD: Record<string, string> = { maiagent: 'created_at', gptbots: 'create_time' };

  /** A documented sample, null at any subset of its non-essential positions, its timestamp perhaps any JSON value. */
  const nulledSample = fc.constantFrom(...SAMPLES).chain((sample: Sample) =>
    fc.record({
      sample: fc.constant(sample),
      nulls: fc.subarray(nonEssentialPaths(sample)),
      timestamp: fc.option(fc.jsonValue(), { nil: undefined }),
    }),
  );

  it('delivers every documented sample, whatever positions hold null: 3,000 cases over both presets and GPTBots V1 and V2', async () => {
    let callbacks = 0;
    const options = { authToken: TOKEN, store: false as const, onMessage: () => void (callbacks += 1) };
    const handlers = { maiagent: fetchEntry.maiagentWebhook(options), gptbots: fetchEntry.gptbotsWebhook(options) };
    await fc.assert(
      fc.asyncProperty(nulledSample, async ({ sample, nulls, timestamp }) => {
        const body = withNullAt(sample.body, nulls);
        if (timestamp !== undefined) body[TIMESTAMP_FIELD[sample.platform] as string] = timestamp;
        const request = new Request('http://127.0.0.1/hook', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const callbacksBefore = callbacks;
        const response = await handlers[sample.platform](request);
        expect([response.status, await response.text()]).toEqual([200, expect.any(String)]);
        expect(callbacks).toBe(callbacksBefore + 1);
      }),
      { numRuns: 3000, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
    );
  }, 120_000);
});
