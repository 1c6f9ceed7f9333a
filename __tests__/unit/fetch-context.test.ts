// The Fetch handler and a runtime's execution context (Workers' ctx, Hono's c.executionCtx): the delivery's work
// after the answer is handed to waitUntil, in both the Worker's call shape and the short one.
import { maiagentWebhook } from '../../src/fetch';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';

const post = (body: object) =>
  new Request('http://127.0.0.1/maiagent/webhook', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const settled = (promise: Promise<unknown>) => Promise.race([promise.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 20))]);

describe.each([
  ['fetch(request, env, ctx), as Workers call it', (ctx: object) => [{ SECRET: 'x' }, ctx]],
  ['handler(request, ctx)', (ctx: object) => [ctx]],
])('%s', (_name, extra) => {
  it('hands waitUntil the work that outlives the 503: the callback and its record; the retry after it is a duplicate', async () => {
    let finish!: () => void;
    let calls = 0;
    const webhook = maiagentWebhook({
      authToken: TOKEN,
      timeoutMs: 30,
      log: false,
      onMessage: () => {
        calls += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
    const delivery = buildMaiAgentDelivery();
    const first = await webhook(post(delivery), ...(extra(ctx) as [unknown, unknown]));
    expect(first.status).toBe(503);
    expect(waited).toHaveLength(1);
    expect(await settled(waited[0] as Promise<unknown>)).toBe('pending');
    finish();
    await waited[0];
    const retry = await webhook(post(delivery), ...(extra(ctx) as [unknown, unknown]));
    expect([retry.status, retry.headers.get('x-maiagent-webhook-outcome'), calls]).toEqual([200, 'duplicate', 1]);
  });
});

it('a context whose waitUntil throws still gets its answer', async () => {
  const webhook = maiagentWebhook({ authToken: TOKEN, log: false, onMessage: () => {} });
  const ctx = { waitUntil: () => { throw new Error('outside a request'); } };
  expect((await webhook(post(buildMaiAgentDelivery()), ctx)).status).toBe(200);
});
