// deliverTo: a sink instead of a callback, in the core, with plain objects.
import { createWebhookHandler } from '../../src/core/handle';
import type { Rejection } from '../../src/core/options';
import type { QueuedDelivery } from '../../src/core/sink';
import { maiagentPreset } from '../../src/presets/maiagent';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

const request = (text: string) => plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

function withSink(enqueue: (delivery: QueuedDelivery) => unknown, extra: { timeoutMs?: number } = {}) {
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

  it('answers 503 queue_unavailable within timeoutMs when the sink never confirms', async () => {
    const { handle } = withSink(() => new Promise(() => {}), { timeoutMs: 30 });
    const outcome = await Promise.race([handle(request(JSON.stringify(buildMaiAgentDelivery()))), new Promise((resolve) => setTimeout(() => resolve('never answered'), 2000))]);
    expect(outcome).toMatchObject({ status: 503, code: 'queue_unavailable' });
  });

  it('needs no store (the queue’s job id dedupes): each copy reaches the sink', async () => {
    const queued: QueuedDelivery[] = [];
    const { handle } = withSink((delivery) => void queued.push(delivery));
    const text = JSON.stringify(buildMaiAgentDelivery());
    await handle(request(text));
    await handle(request(text));
    expect(queued).toHaveLength(2);
  });

  it('takes onMessage or deliverTo, never both, never neither', () => {
    const sink = { enqueue: () => undefined };
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN, deliverTo: sink, onMessage: () => {} } as never)).toThrow(/onMessage or deliverTo, not both/);
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN } as never)).toThrow(/onMessage must be a function \(or pass deliverTo\)/);
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN, deliverTo: {} } as never)).toThrow(/deliverTo must have an enqueue method/);
  });
});
