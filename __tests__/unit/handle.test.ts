import { chunkStreamOf } from '../../src/core/chunk-stream';
import { createWebhookHandler } from '../../src/core/handle';
import { withDefaultStore } from '../../src/presets/factories';
import { maiagentPreset, type MaiAgentMessage } from '../../src/presets/maiagent';
import type { DeliveryOutcome, Logger, Rejection } from '../../src/core/options';
import type { DedupeStore } from '../../src/core/store';
import { MemoryStore } from '../../src/stores/memory';
import type { BodySource, WebhookRequest } from '../../src/core/types';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

const encoder = new TextEncoder();

function requestWith(body: BodySource, headers: Record<string, string | undefined> = {}): WebhookRequest {
  const all = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers };
  return plainRequest({ body, headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<string, string> });
}

async function* chunksOf(...parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

function setup(extra: { limit?: string | number; timeoutMs?: number } = {}) {
  const messages: MaiAgentMessage[] = [];
  const rejections: Rejection[] = [];
  const handle = promising(createWebhookHandler(maiagentPreset, {
    authToken: TOKEN,
    onMessage: (message) => void messages.push(message),
    onRejected: (rejection) => void rejections.push(rejection),
    ...extra,
  }));
  return { handle, messages, rejections };
}

describe('core pipeline with plain requests', () => {
  const text = JSON.stringify(buildMaiAgentDelivery());

  it.each<[string, BodySource]>([
    ['a stream in several chunks', { kind: 'stream', stream: chunkStreamOf(chunksOf(text.slice(0, 10), text.slice(10))) }],
    ['bytes', { kind: 'bytes', bytes: encoder.encode(text) }],
    ['text', { kind: 'text', text }],
    ['an already parsed object', { kind: 'parsed', value: JSON.parse(text) }],
  ])('delivers a body that arrives as %s', async (_name, body) => {
    const { handle, messages } = setup();
    const outcome = await handle(requestWith(body));
    expect(outcome).toMatchObject({ status: 200, code: 'delivered', body: '{"message":"Webhook received successfully"}' });
    expect(messages).toHaveLength(1);
  });

  it('refuses by Content-Length before reading a byte of the stream', async () => {
    const { handle } = setup({ limit: 100 });
    let pulled = false;
    const chunks = (async function* () { pulled = true; yield encoder.encode(text); })();
    const outcome = await handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }, { 'content-length': '5000' }));
    expect(outcome.status).toBe(413);
    expect(pulled).toBe(false);
  });

  it('stops reading a stream as soon as it passes the limit, whatever Content-Length said', async () => {
    const { handle } = setup({ limit: 100 });
    let chunksPulled = 0;
    const chunks = (async function* () {
      for (let i = 0; i < 1000; i += 1) { chunksPulled += 1; yield new Uint8Array(60); }
    })();
    const outcome = await handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }, { 'content-length': '10' }));
    expect(outcome.status).toBe(413);
    expect(chunksPulled).toBe(2);
  });

  it.each<[string, BodySource]>([
    ['text', { kind: 'text', text: 'é'.repeat(60) }],
    ['bytes', { kind: 'bytes', bytes: new Uint8Array(101) }],
  ])('measures an already buffered %s body against the limit in bytes', async (_name, body) => {
    const { handle } = setup({ limit: 100 });
    expect((await handle(requestWith(body))).code).toBe('payload_too_large');
  });

  it('answers 400 body_incomplete when the stream breaks mid-body', async () => {
    const { handle } = setup();
    const chunks = (async function* () { yield encoder.encode('{"id":'); throw new Error('aborted'); })();
    expect((await handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }))).code).toBe('body_incomplete');
  });

  it('answers 500 body_unavailable (so the platform retries) when something earlier ate the body', async () => {
    const { handle, rejections } = setup();
    const outcome = await handle(requestWith({ kind: 'consumed' }));
    expect(outcome.status).toBe(500);
    expect(rejections[0]?.code).toBe('body_unavailable');
  });

  it('answers 400 empty_body to zero bytes in any form, never treating it as {}', async () => {
    const { handle } = setup();
    for (const body of [{ kind: 'stream', stream: chunkStreamOf(chunksOf()) }, { kind: 'bytes', bytes: new Uint8Array() }, { kind: 'text', text: '' }, { kind: 'parsed', value: undefined }] as BodySource[]) {
      expect((await handle(requestWith(body))).code).toBe('empty_body');
    }
  });

  it('answers invalid_json to malformed UTF-8, and passes a readable rawBody to onRejected', async () => {
    const { handle, rejections } = setup();
    const outcome = await handle(requestWith({ kind: 'bytes', bytes: Uint8Array.from([0x7b, 0xff, 0x7d]) }));
    expect(outcome.code).toBe('invalid_json');
    expect(rejections[0]?.rawBody).toBe('{\uFFFD}');
  });

  describe('a body in several chunks', () => {
    const streamOf = (...parts: Uint8Array[]): BodySource => ({ kind: 'stream', stream: chunkStreamOf(chunksOf(...parts)) });
    const chinese = JSON.stringify(buildMaiAgentDelivery({ content: '你好，這是一段回覆。' }));

    it('decodes characters split between chunks, at every split point', async () => {
      const bytes = encoder.encode(chinese);
      for (let at = 1; at < bytes.length; at += 1) {
        const { handle, messages } = setup();
        expect((await handle(requestWith(streamOf(bytes.slice(0, at), bytes.slice(at, at + 7), bytes.slice(at + 7))))).status).toBe(200);
        expect(messages[0]?.content).toBe('你好，這是一段回覆。');
      }
    });

    it('drops a byte order mark split from the rest', async () => {
      const { handle } = setup();
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(text)]);
      expect((await handle(requestWith(streamOf(bytes.slice(0, 2), bytes.slice(2))))).status).toBe(200);
    });

    it.each([
      ['a malformed byte in a later chunk', [encoder.encode('{"a":'), Uint8Array.from([0x22, 0xff, 0x22, 0x7d])], '{"a":"\uFFFD"}'],
      ['a character cut off at the very end', [encoder.encode('{"a":"'), Uint8Array.from([0xe4, 0xbd])], '{"a":"\uFFFD'],
    ])('answers invalid_json to %s, with a readable rawBody', async (_name, parts, rawBody) => {
      const { handle, rejections } = setup();
      expect((await handle(requestWith(streamOf(...parts)))).code).toBe('invalid_json');
      expect(rejections[0]?.rawBody).toBe(rawBody);
    });
  });

  it('drops a UTF-8 byte order mark', async () => {
    const { handle } = setup();
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(text)]);
    expect((await handle(requestWith({ kind: 'bytes', bytes }))).status).toBe(200);
  });

  it.each([
    ['application/json; charset=UTF-8', 200],
    ['application/json;charset="utf-8"', 200],
    ['Application/JSON', 200],
    ['application/vnd.maiagent+json', 200],
    ['application/json; charset=utf-16', 415],
    ['text/json', 415],
    ['application/x-www-form-urlencoded', 415],
  ])('Content-Type %s gets %i', async (contentType, status) => {
    const { handle } = setup();
    expect((await handle(requestWith({ kind: 'text', text }, { 'content-type': contentType }))).status).toBe(status);
  });

  it('answers 415 when there is no Content-Type at all', async () => {
    const { handle } = setup();
    expect((await handle(requestWith({ kind: 'text', text }, { 'content-type': undefined }))).status).toBe(415);
  });

  it('checks the method and the token before touching the body', async () => {
    const { handle } = setup();
    let pulled = false;
    const chunks = (async function* () { pulled = true; yield encoder.encode(text); })();
    expect((await handle({ ...requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }), method: 'PUT' })).headers).toMatchObject({ allow: 'POST' });
    expect((await handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }, { authorization: 'Bearer no' }))).status).toBe(401);
    expect(pulled).toBe(false);
  });

  it('turns an unexpected internal failure into 500 internal_error, never a rejected promise', async () => {
    const { handle, rejections } = setup();
    const hostile = { ...plainRequest({}), header: (): never => { throw new Error('boom'); } };
    const outcome = await handle(hostile);
    expect(outcome.status).toBe(500);
    expect(outcome.body).not.toContain('boom');
    expect(rejections[0]?.code).toBe('internal_error');
  });

  it('answers 500 internal_error when a step fails after the body was awaited, and throws nothing into the event loop', async () => {
    const uncaught = jest.fn();
    process.on('uncaughtException', uncaught);
    try {
      const rejections: Rejection[] = [];
      const broken = { ...maiagentPreset, toMessage: (): never => { throw new Error('boom'); } };
      const handle = promising(createWebhookHandler(broken, { authToken: TOKEN, onMessage: () => {}, onRejected: (r) => void rejections.push(r) }));
      const outcome = await handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunksOf(text.slice(0, 10), text.slice(10))) }));
      expect(outcome).toMatchObject({ status: 500, code: 'internal_error' });
      expect(rejections.map((r) => r.code)).toEqual(['internal_error']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off('uncaughtException', uncaught);
    }
  });

  it('answers once: a callback that settles after its deadline is recorded but answers nothing more', async () => {
    let settle!: () => void;
    const store = { claim: jest.fn(() => 'claimed' as const), complete: jest.fn(), release: jest.fn() };
    const handle = createWebhookHandler(maiagentPreset, {
      authToken: TOKEN,
      timeoutMs: 5,
      store,
      onMessage: () => new Promise<void>((resolve) => (settle = resolve)),
    });
    const answers: number[] = [];
    const first = new Promise<void>((resolve) => handle(requestWith({ kind: 'text', text }), (outcome) => {
      answers.push(outcome.status);
      resolve();
    }));
    await first;
    expect(answers).toEqual([503]);
    settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.complete).toHaveBeenCalledTimes(1);
    expect(answers).toEqual([503]);
  });

  it('keeps a late callback’s rejection from becoming an unhandled rejection after a timeout', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const handle = promising(createWebhookHandler(maiagentPreset, {
        authToken: TOKEN,
        timeoutMs: 5,
        onMessage: () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 20)),
      }));
      expect((await handle(requestWith({ kind: 'text', text }))).status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('422 invalid_payload', () => {
  it('lists the first 10 problems in the answer, and all of them to onRejected', async () => {
    const { handle, rejections } = setup();
    const body = JSON.stringify(buildMaiAgentDelivery({ attachments: Array.from({ length: 12 }, (_, i) => i) }));
    const outcome = await handle(requestWith({ kind: 'text', text: body }));
    expect(outcome.status).toBe(422);
    expect((JSON.parse(outcome.body) as { problems: unknown[] }).problems).toHaveLength(10);
    expect(rejections[0]?.problems).toHaveLength(12);
  });
});

describe('the outcome header', () => {
  it('a 200 says which success it was (x-maiagent-webhook-outcome); the platform reads only the status', async () => {
    const handle = promising(createWebhookHandler(maiagentPreset, withDefaultStore<MaiAgentMessage>({ authToken: TOKEN, onMessage: () => {} })));
    const text = JSON.stringify(buildMaiAgentDelivery());
    const request = plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    expect((await handle(request)).headers['x-maiagent-webhook-outcome']).toBe('delivered');
    expect((await handle({ ...request, body: { kind: 'text', text } })).headers['x-maiagent-webhook-outcome']).toBe('duplicate');
  });
});

describe('close() while a body is still arriving', () => {
  it.each([['without a store', false as const], ['with the memory store', undefined]])('%s: 503 shutting_down, the callback never runs', async (_name, store) => {
    let calls = 0;
    const handle = promising(createWebhookHandler(maiagentPreset, withDefaultStore<MaiAgentMessage>({ authToken: TOKEN, store, onMessage: () => void (calls += 1) })));
    let release!: () => void;
    const text = JSON.stringify(buildMaiAgentDelivery());
    const chunks = (async function* () {
      yield encoder.encode(text.slice(0, 10));
      await new Promise<void>((resolve) => (release = resolve));
      yield encoder.encode(text.slice(10));
    })();
    const answer = handle(requestWith({ kind: 'stream', stream: chunkStreamOf(chunks) }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closed = handle.close();
    release();
    expect((await answer).code).toBe('shutting_down');
    await closed;
    expect(calls).toBe(0);
  });
});

describe('close() and claims that outlive timeoutMs', () => {
  /** A store whose claims are answered when the test says so; its release fails when told. */
  function lateStore(options: { releaseFails?: boolean } = {}) {
    const claims: ((state: 'claimed') => void)[] = [];
    const released: string[] = [];
    const store = {
      claim: () => new Promise<'claimed'>((resolve) => claims.push(resolve)),
      complete: () => {},
      release: (key: string) => {
        if (options.releaseFails) return Promise.reject(new Error('READONLY'));
        released.push(key);
        return undefined;
      },
    };
    return { store, claims, released };
  }

  function receiverOver(store: DedupeStore, extra: { onMessage?: () => unknown; log?: Partial<Logger> } = {}) {
    const outcomes: DeliveryOutcome[] = [];
    const handle = promising(createWebhookHandler(maiagentPreset, {
      authToken: TOKEN,
      store,
      timeoutMs: 30,
      log: extra.log ?? false,
      onOutcome: (outcome) => void outcomes.push(outcome),
      onMessage: extra.onMessage ?? (() => {}),
    }));
    return { handle, outcomes };
  }

  const settledWithin = <T>(promise: Promise<T>, ms: number) => Promise.race([promise.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), ms))]);

  it('waits for a claim granted after the 503, frees it, then resolves', async () => {
    const { store, claims, released } = lateStore();
    const { handle } = receiverOver(store);
    expect((await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }))).code).toBe('store_unavailable');
    const closed = handle.close();
    expect(await settledWithin(closed, 5)).toBe('pending');
    claims[0]?.('claimed');
    await closed;
    expect(released).toHaveLength(1);
  });

  it('a late claim whose release fails is store_record_failed (release), heard before close() resolves', async () => {
    const { store, claims } = lateStore({ releaseFails: true });
    const { handle, outcomes } = receiverOver(store);
    await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }));
    const closed = handle.close();
    claims[0]?.('claimed');
    await closed;
    expect(outcomes.map((o) => [o.code, o.warnings.map((w) => `${w.code}:${'step' in w ? w.step : ''}`)])).toEqual([['store_unavailable', ['store_record_failed:release']]]);
  });

  it('a claim still unanswered after timeoutMs more is no longer waited for; if it lands later and cannot be freed, the log says so', async () => {
    const { store, claims } = lateStore({ releaseFails: true });
    const warnings: Record<string, unknown>[] = [];
    const { handle, outcomes } = receiverOver(store, { log: { warn: (fields: object) => void warnings.push(fields as Record<string, unknown>), error: () => {} } });
    await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }));
    expect(await settledWithin(handle.close(), 2000)).toBe('settled');
    expect(outcomes.map((o) => [o.code, o.warnings])).toEqual([['store_unavailable', []]]);
    claims[0]?.('claimed');
    while (warnings.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(warnings.map((w) => [w.code, w.step])).toEqual([['store_unavailable', undefined], ['store_record_failed', 'release']]);
  });

  it('close({ timeoutMs }) waits for a late claim up to its own bound, past timeoutMs more, and frees it (a Redis stall longer than twice timeoutMs)', async () => {
    const { store, claims, released } = lateStore();
    const warnings: Record<string, unknown>[] = [];
    const { handle } = receiverOver(store, { log: { warn: (fields: object) => void warnings.push(fields as Record<string, unknown>), error: () => {} } });
    expect((await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }))).code).toBe('store_unavailable');
    const closed = handle.close({ timeoutMs: 5000 });
    // Ten times the 30 ms timeoutMs: the claim's second deadline is long past.
    expect(await settledWithin(closed, 300)).toBe('pending');
    claims[0]?.('claimed');
    await closed;
    expect(released).toHaveLength(1);
    expect(warnings.map((w) => w.code)).toEqual(['store_unavailable']);
  });

  it('close({ timeoutMs }) bounds the wait for a callback that never settles, and the log says what was left', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log = { warn: (fields: object) => void warnings.push(fields as Record<string, unknown>), error: () => {} };
    const { handle } = receiverOver(new MemoryStore(), { onMessage: () => new Promise(() => {}), log });
    expect((await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }))).code).toBe('handler_timeout');
    expect(await settledWithin(handle.close(), 100)).toBe('pending');
    expect(await settledWithin(handle.close({ timeoutMs: 20 }), 2000)).toBe('settled');
    expect(warnings.map((w) => [w.code, w.unfinished])).toEqual([['handler_timeout', undefined], ['close_timeout', 1]]);
  });

  it('a close() after a bounded close({ timeoutMs }) is held to that bound (a Fastify app.close() after the webhook\'s own)', async () => {
    const { handle } = receiverOver(new MemoryStore(), { onMessage: () => new Promise(() => {}), log: { warn: () => {}, error: () => {} } });
    expect((await handle(requestWith({ kind: 'text', text: JSON.stringify(buildMaiAgentDelivery()) }))).code).toBe('handler_timeout');
    const bounded = handle.close({ timeoutMs: 20 });
    const later = handle.close();
    expect(await settledWithin(bounded, 2000)).toBe('settled');
    expect(await settledWithin(later, 2000)).toBe('settled');
    expect(await settledWithin(handle.close(), 2000)).toBe('settled');
  });

  it.each([0, -1, 1.5, 'soon'])('close({ timeoutMs: %p }) is refused with a TypeError', async (timeoutMs) => {
    const { handle } = receiverOver(new MemoryStore());
    await expect(handle.close({ timeoutMs: timeoutMs as number })).rejects.toThrow(/timeoutMs must be a positive whole number/);
  });
});
