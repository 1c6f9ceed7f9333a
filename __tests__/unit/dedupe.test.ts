import { createWebhookHandler } from '../../src/core/handle';
import { withDefaultStore } from '../../src/presets/factories';
import { maiagentPreset, type MaiAgentMessage } from '../../src/presets/maiagent';
import type { CommonOptions, Rejection } from '../../src/core/options';
import type { DedupeStore } from '../../src/core/store';
import { MemoryStore } from '../../src/stores/memory';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const requestFor = (text: string) => plainRequest({ headers, body: { kind: 'text', text } });

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(onMessage: (message: MaiAgentMessage) => unknown, extra: Partial<CommonOptions> = {}) {
  const rejections: Rejection[] = [];
  // The default store is the one the factories fill in.
  const handle = promising(createWebhookHandler(maiagentPreset, withDefaultStore<MaiAgentMessage>({
    authToken: TOKEN,
    onMessage,
    onRejected: (r) => void rejections.push(r),
    ...extra,
  })));
  return { handle, rejections };
}

describe('duplicates and retries (default memory store)', () => {
  const text = () => JSON.stringify(buildMaiAgentDelivery());

  it('answers a repeat of a delivered id 200 with the same ack, without calling back again', async () => {
    const onMessage = jest.fn();
    const { handle } = setup(onMessage);
    const body = text();
    const first = await handle(requestFor(body));
    const again = await handle(requestFor(body));
    expect([first.status, first.code, again.status, again.code]).toEqual([200, 'delivered', 200, 'duplicate']);
    expect(again.body).toBe(first.body);
    expect(onMessage).toHaveBeenCalledTimes(1);
  });

  it('runs the callback again for a retry after it failed', async () => {
    const onMessage = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce(undefined);
    const { handle } = setup(onMessage);
    const body = text();
    expect((await handle(requestFor(body))).status).toBe(500);
    expect((await handle(requestFor(body))).status).toBe(200);
    expect((await handle(requestFor(body))).code).toBe('duplicate');
    expect(onMessage).toHaveBeenCalledTimes(2);
  });

  it('releases the claim of a callback that throws synchronously, so the retry runs it again', async () => {
    let calls = 0;
    const { handle } = setup(() => {
      calls += 1;
      if (calls === 1) throw new Error('sync failure');
    });
    const body = text();
    expect((await handle(requestFor(body))).status).toBe(500);
    expect((await handle(requestFor(body))).status).toBe(200);
    expect((await handle(requestFor(body))).code).toBe('duplicate');
    expect(calls).toBe(2);
  });

  it('answers 409 with Retry-After to an arrival while the first attempt still runs', async () => {
    const gate = deferred();
    const onMessage = jest.fn(() => gate.promise);
    const { handle, rejections } = setup(onMessage);
    const body = text();
    const first = handle(requestFor(body));
    const second = await handle(requestFor(body));
    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBe('10');
    expect(rejections.map((r) => r.code)).toEqual(['in_progress']);
    gate.resolve();
    expect((await first).status).toBe(200);
    expect(onMessage).toHaveBeenCalledTimes(1);
  });

  it('keeps the claim of a callback that outlives timeoutMs until it settles, then marks it done', async () => {
    const gate = deferred();
    const onMessage = jest.fn(() => gate.promise);
    const { handle } = setup(onMessage, { timeoutMs: 20 });
    const body = text();
    expect((await handle(requestFor(body))).status).toBe(503);
    expect((await handle(requestFor(body))).status).toBe(409);
    gate.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await handle(requestFor(body))).code).toBe('duplicate');
    expect(onMessage).toHaveBeenCalledTimes(1);
  });

  it('releases the claim of a callback that outlives timeoutMs and then fails', async () => {
    const gate = deferred();
    const onMessage = jest.fn().mockImplementationOnce(() => gate.promise).mockResolvedValueOnce(undefined);
    const { handle } = setup(onMessage, { timeoutMs: 20 });
    const body = text();
    expect((await handle(requestFor(body))).status).toBe(503);
    gate.reject(new Error('late failure'));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await handle(requestFor(body))).status).toBe(200);
    expect(onMessage).toHaveBeenCalledTimes(2);
  });

  it('keys ids by platform, so equal ids from two platforms never collide', async () => {
    const store = new MemoryStore();
    await store.claim('gptbots:same-id', 'attempt-1');
    await store.complete('gptbots:same-id', 'attempt-1');
    const onMessage = jest.fn();
    const { handle } = setup(onMessage, { store });
    expect((await handle(requestFor(JSON.stringify(buildMaiAgentDelivery({ id: 'same-id' }))))).code).toBe('delivered');
    store.close();
  });

  it('with store: false, every arrival reaches the callback', async () => {
    const onMessage = jest.fn();
    const { handle } = setup(onMessage, { store: false });
    const body = text();
    await handle(requestFor(body));
    await handle(requestFor(body));
    expect(onMessage).toHaveBeenCalledTimes(2);
  });
});

describe('a failing store', () => {
  const broken = (failing: keyof DedupeStore): DedupeStore => {
    const store = new MemoryStore();
    return Object.assign(Object.create(store) as DedupeStore, {
      [failing]: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')),
    });
  };

  it('turns a failed claim into 503 store_unavailable (the platform retries), with the reason for onRejected', async () => {
    const onMessage = jest.fn();
    const { handle, rejections } = setup(onMessage, { store: broken('claim') });
    const outcome = await handle(requestFor(JSON.stringify(buildMaiAgentDelivery())));
    expect([outcome.status, outcome.code]).toEqual([503, 'store_unavailable']);
    expect(outcome.headers['retry-after']).toBeDefined();
    expect(outcome.body).not.toContain('ECONNREFUSED');
    expect(String(rejections[0]?.error)).toContain('ECONNREFUSED');
    expect(onMessage).not.toHaveBeenCalled();
  });

  it('still answers 200 when the callback succeeded but marking it done failed', async () => {
    const { handle } = setup(() => undefined, { store: broken('complete') });
    expect((await handle(requestFor(JSON.stringify(buildMaiAgentDelivery())))).status).toBe(200);
  });

  it('rejects a store without the three methods at start-up', () => {
    expect(() => setup(() => undefined, { store: {} as DedupeStore })).toThrow(/store must have claim, complete and release/);
  });
});

describe('shutdown', () => {
  it('answers 503 shutting_down after close(), and close() waits for callbacks in flight, even past timeoutMs', async () => {
    const gate = deferred();
    const finished: string[] = [];
    const { handle } = setup(async () => {
      await gate.promise;
      finished.push('callback');
    }, { timeoutMs: 20 });
    const running = handle(requestFor(JSON.stringify(buildMaiAgentDelivery())));
    expect((await running).status).toBe(503);

    let closed = false;
    const closing = handle.close().then(() => {
      closed = true;
    });
    const refused = await handle(requestFor(JSON.stringify(buildMaiAgentDelivery())));
    expect([refused.status, refused.code]).toEqual([503, 'shutting_down']);
    expect(refused.headers['retry-after']).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(false);

    gate.resolve();
    await closing;
    expect(finished).toEqual(['callback']);
  });

  it('close() resolves at once when nothing is running', async () => {
    const { handle } = setup(() => undefined);
    await expect(handle.close()).resolves.toBeUndefined();
  });
});
