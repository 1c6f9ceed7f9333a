// deliverTo: a sink instead of a callback, in the core, with plain objects.
import { createWebhookHandler } from '../../src/core/handle';
import type { Rejection } from '../../src/core/options';
import { PROBE_INTERVAL_MS } from '../../src/core/breaker';
import type { EnqueueContext, QueuedDelivery } from '../../src/core/sink';
import { maiagentPreset } from '../../src/presets/maiagent';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const request = (text: string) => plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

function withSink(enqueue: (delivery: QueuedDelivery, context?: EnqueueContext) => unknown, extra: { timeoutMs?: number } = {}) {
  const rejections: Rejection[] = [];
  const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, deliverTo: { enqueue }, onRejected: (r) => void rejections.push(r), log: false, ...extra }));
  return { handle, rejections };
}

describe('deliverTo', () => {
  it('hands the sink the delivery (key, ids, the body as received, when) and answers 200 enqueued once it confirms', async () => {
    const queued: QueuedDelivery[] = [];
    const { handle } = withSink(async (delivery) => void queued.push(delivery));
    const delivery = buildMaiAgentDelivery({ conversation: 'conv-q' });
    const text = JSON.stringify(delivery, null, 1);
    const before = Date.now();
    const outcome = await handle(request(text));
    expect(outcome).toMatchObject({ status: 200, code: 'enqueued', body: '{"message":"Webhook received successfully"}' });
    expect(queued).toEqual([{ key: `maiagent:${delivery.id}`, platform: 'maiagent', messageId: delivery.id, conversationId: 'conv-q', rawBody: text, receivedAt: expect.any(Number) }]);
    expect(queued[0]?.receivedAt).toBeGreaterThanOrEqual(before);
  });

  it('answers 503 queue_unavailable with Retry-After when the sink fails, and onRejected hears why', async () => {
    const { handle, rejections } = withSink(() => Promise.reject(new Error('READONLY')));
    const outcome = await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect(outcome).toMatchObject({ status: 503, code: 'queue_unavailable', headers: { 'retry-after': '10' } });
    expect(rejections.map((r) => [r.code, (r.error as Error).message])).toEqual([['queue_unavailable', 'READONLY']]);
  });

  it('answers 503 queue_unavailable within timeoutMs when the sink never confirms, and onRejected hears a SinkTimeoutError', async () => {
    const { handle, rejections } = withSink(() => new Promise(() => {}), { timeoutMs: 30 });
    const outcome = await Promise.race([handle(request(JSON.stringify(buildMaiAgentDelivery()))), new Promise((resolve) => setTimeout(() => resolve('never answered'), 2000))]);
    expect(outcome).toMatchObject({ status: 503, code: 'queue_unavailable' });
    expect(rejections.map((r) => [r.code, (r.error as Error | undefined)?.name, (r.error as Error | undefined)?.message])).toEqual([
      ['queue_unavailable', 'SinkTimeoutError', expect.stringContaining('30 ms')],
    ]);
  });

  it('needs no store (the queue’s job id dedupes): each copy reaches the sink', async () => {
    const queued: QueuedDelivery[] = [];
    const { handle } = withSink((delivery) => void queued.push(delivery));
    const text = JSON.stringify(buildMaiAgentDelivery());
    await handle(request(text));
    await handle(request(text));
    expect(queued).toHaveLength(2);
  });

  it('once the sink failed, refuses at once without calling it (SinkDownError) until one delivery probes it; a success lets all through again', async () => {
    let calls = 0;
    let healthy = false;
    const { handle, rejections } = withSink(() => {
      calls += 1;
      return healthy ? Promise.resolve() : Promise.reject(new Error('Stream isn\'t writeable'));
    });
    const send = () => handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect((await send()).code).toBe('queue_unavailable');
    for (let i = 0; i < 20; i += 1) expect((await send()).code).toBe('queue_unavailable');
    expect(calls).toBe(1);
    expect(rejections.slice(1).map((r) => (r.error as Error).name)).toEqual(Array(20).fill('SinkDownError'));
    await sleep(PROBE_INTERVAL_MS + 50);
    expect((await send()).code).toBe('queue_unavailable'); // the probe: still failing
    expect((await send()).code).toBe('queue_unavailable'); // refused again until the next probe
    expect(calls).toBe(2);
    healthy = true;
    await sleep(PROBE_INTERVAL_MS + 50);
    expect((await send()).code).toBe('enqueued');
    for (let i = 0; i < 5; i += 1) expect((await send()).code).toBe('enqueued');
    expect(calls).toBe(8);
  });

  it('a sink that never answers: each delivery answered by its deadline and let go, then one probe at a time however many arrive', async () => {
    const held = new Set<QueuedDelivery>();
    const { handle } = withSink((delivery) => {
      held.add(delivery);
      return new Promise(() => {});
    }, { timeoutMs: 30 });
    const send = () => handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect((await Promise.all([send(), send(), send()])).map((o) => o.code)).toEqual(Array(3).fill('queue_unavailable'));
    for (let round = 0; round < 3; round += 1) {
      await sleep(PROBE_INTERVAL_MS + 50);
      expect((await Promise.all([send(), send(), send()])).map((o) => o.code)).toEqual(Array(3).fill('queue_unavailable'));
    }
    // The three before it was known down, and one probe that is still waiting: no second probe while it waits.
    expect(held.size).toBe(4);
  });

  it('a call that outlived its deadline and then lands closes the breaker: the sink is back', async () => {
    let land: () => void = () => {};
    let calls = 0;
    const { handle } = withSink(() => {
      calls += 1;
      return calls === 1 ? new Promise<void>((resolve) => (land = resolve)) : Promise.resolve();
    }, { timeoutMs: 30 });
    const send = () => handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect((await send()).code).toBe('queue_unavailable');
    expect((await send()).code).toBe('queue_unavailable');
    expect(calls).toBe(1);
    land();
    await sleep(0);
    expect((await send()).code).toBe('enqueued');
  });

  it('a sink that throws instead of rejecting is answered 503 like one that rejects', async () => {
    const { handle, rejections } = withSink(() => {
      throw new Error('no connection');
    });
    expect((await handle(request(JSON.stringify(buildMaiAgentDelivery())))).code).toBe('queue_unavailable');
    expect((rejections[0]?.error as Error).message).toBe('no connection');
  });

  it('hands the sink a signal that aborts at the deadline', async () => {
    const signals: AbortSignal[] = [];
    const { handle } = withSink((_delivery, context) => {
      signals.push((context as { signal: AbortSignal }).signal);
      return new Promise(() => {});
    }, { timeoutMs: 30 });
    await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect(signals.map((s) => s.aborted)).toEqual([true]);
  });

  it('takes onMessage or deliverTo, never both, never neither', () => {
    const sink = { enqueue: () => undefined };
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN, deliverTo: sink, onMessage: () => {} } as never)).toThrow(/onMessage or deliverTo, not both/);
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN } as never)).toThrow(/onMessage must be a function \(or pass deliverTo\)/);
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN, deliverTo: {} } as never)).toThrow(/deliverTo must have an enqueue method/);
  });
});
