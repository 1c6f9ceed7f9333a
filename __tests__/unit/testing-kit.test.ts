import { createServer, type Server } from 'node:http';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { ReplyHub } from 'maiagent-webhook/client';
import { buildMaiAgentDelivery, deliverWithRetries, sendDelivery } from 'maiagent-webhook/testing';

describe('deliverWithRetries', () => {
  it('takes backoffMs as a number of milliseconds between attempts', async () => {
    const answers = [500, 503, 200];
    const report = await deliverWithRetries(async () => answers.shift() as number, { maxAttempts: 5, backoffMs: 1 });
    expect(report).toEqual({ delivered: true, statuses: [500, 503, 200] });
  });

  it('takes backoffMs as a function of the attempt number', async () => {
    const asked: number[] = [];
    const report = await deliverWithRetries(async () => 500, {
      maxAttempts: 3,
      backoffMs: (attempt) => {
        asked.push(attempt);
        return 1;
      },
    });
    expect(report).toEqual({ delivered: false, statuses: [500, 500, 500] });
    expect(asked).toEqual([1, 2]);
  });
});

describe('buildMaiAgentDelivery', () => {
  // A reply the platform sends is one created now: a hub ignores replies created before its wait began (the reply to
  // an earlier message), so a kit body dated 2024 resolved no ask and no hub.next, while onMessage ran.
  it('builds a reply that a ReplyHub wait started just before it resolves, through a receiver', async () => {
    const replies = new ReplyHub();
    const server: Server = createServer(maiagentWebhook({ authToken: 'kit-token', replies, onMessage: () => {} }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const delivery = buildMaiAgentDelivery({ conversation: 'conv-kit' });
      const waited = replies.next('conv-kit', { timeoutMs: 5_000 });
      const { port } = server.address() as { port: number };
      expect((await sendDelivery(`http://127.0.0.1:${port}/`, { token: 'kit-token', body: delivery })).status).toBe(200);
      expect((await waited).delivered.id).toBe(delivery.id);
    } finally {
      replies.close?.();
      server.close();
    }
  });
});

// The testing page's node:test files, their hooks and tests run here in the order `node --test` runs them (the
// consumer suite runs them with `node --test` itself, compiled, from the packed tarball).
jest.mock('node:test', () => {
  const registered: Record<'before' | 'test' | 'after', { name: string; fn: () => unknown }[]> = { before: [], test: [], after: [] };
  const add = (kind: keyof typeof registered) => (nameOrFn: string | (() => unknown), fn?: () => unknown) =>
    void registered[kind].push(typeof nameOrFn === 'function' ? { name: kind, fn: nameOrFn } : { name: nameOrFn, fn: fn as () => unknown });
  return { registered, test: add('test'), before: add('before'), after: add('after') };
});

describe.each(['testing-retries', 'testing-fake-maiagent'])('examples/%s.ts, a node:test file', (example) => {
  it('passes every test it registers, its hooks around them', async () => {
    const nodeTest = (await import('node:test')) as unknown as { registered: Record<'before' | 'test' | 'after', { name: string; fn: () => unknown }[]> };
    for (const kind of ['before', 'test', 'after'] as const) nodeTest.registered[kind].length = 0;
    await import(`../../examples/${example}`);
    const { before, test, after } = nodeTest.registered;
    expect(test.length).toBeGreaterThanOrEqual(2);
    try {
      for (const hook of before) await hook.fn();
      for (const each of test) await each.fn();
    } finally {
      for (const hook of after) await hook.fn();
    }
  });
});
