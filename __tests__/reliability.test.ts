// The platform's retries against a flaky callback: counts, not timings. Every message must reach exactly one
// successful callback, none may be lost, none processed again after it succeeded.
import { buildMaiAgentDelivery, deliverWithRetries } from 'maiagent-webhook/testing';
import { forkReceiver } from './support/receiver-process';
import { connectTestRedis, type TestRedis } from './support/redis';

const MESSAGES = 10_000;
const SENT_TWICE_AT_ONCE = 0.05;
const CONCURRENCY = 48;

interface Receiver {
  url: string;
  report(): Promise<{ successes: string[]; calls: number }>;
  stop(): Promise<void>;
}

async function startReceiver(seed: number, args: string[]): Promise<Receiver> {
  const { child, port, next } = await forkReceiver('flaky-receiver.js', args, { SEED: String(seed) });
  return {
    url: `http://127.0.0.1:${String(port)}/maiagent/webhook?token=reliability-token`,
    report: async () => {
      const reply = next('report');
      child.send('report');
      return (await reply) as unknown as { successes: string[]; calls: number };
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('exit');
      }),
  };
}

/** Posts one attempt; any status counts, a dropped connection is status 0 (the sender retries it). */
async function attempt(url: string, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  return response.status;
}

/** Like the platform: every message, some twice at once (to different receivers when there are several). */
async function sendAll(receivers: Receiver[]) {
  const jobs: (() => Promise<boolean>)[] = [];
  const ids: string[] = [];
  for (let i = 0; i < MESSAGES; i += 1) {
    const delivery = buildMaiAgentDelivery({ content: `message ${i}` });
    const body = JSON.stringify(delivery);
    ids.push(delivery.id);
    const copies = i % Math.round(1 / SENT_TWICE_AT_ONCE) === 0 ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const target = receivers[(i + copy) % receivers.length] as Receiver;
      jobs.push(async () => (await deliverWithRetries(() => attempt(target.url, body), { maxAttempts: 30, backoffMs: (n) => Math.min(2 ** n, 50) })).delivered);
    }
  }
  const undelivered: number[] = [];
  let nextJob = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextJob < jobs.length) {
        const index = nextJob++;
        if (!(await (jobs[index] as () => Promise<boolean>)())) undelivered.push(index);
      }
    }),
  );
  return { ids, jobs: jobs.length, undelivered };
}

function countById(successes: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of successes) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function expectExactlyOnce(ids: string[], successes: string[]) {
  const counts = countById(successes);
  const lost = ids.filter((id) => !counts.has(id));
  const twice = [...counts].filter(([, n]) => n > 1);
  expect({ lost: lost.length, processedTwice: twice.length, unknown: counts.size - ids.length + lost.length }).toEqual({ lost: 0, processedTwice: 0, unknown: 0 });
}

describe('reliability under a retrying sender', () => {
  it(`one process, memory store: ${MESSAGES} messages each reach exactly one successful callback`, async () => {
    const receiver = await startReceiver(11, ['memory']);
    try {
      const sent = await sendAll([receiver]);
      const { successes, calls } = await receiver.report();
      expect(sent.undelivered).toEqual([]);
      expectExactlyOnce(sent.ids, successes);
      // The flakiness really happened: far more calls than messages.
      expect(calls).toBeGreaterThan(MESSAGES * 1.3);
    } finally {
      await receiver.stop();
    }
  }, 240_000);

  describe('two processes sharing a RedisStore', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await connectTestRedis();
    });
    afterAll(() => redis.close());

    it(`${MESSAGES} messages, duplicates sent to both at once, each reach exactly one successful callback`, async () => {
      const receivers = [await startReceiver(21, ['redis', redis.url, redis.prefix]), await startReceiver(22, ['redis', redis.url, redis.prefix])];
      try {
        const sent = await sendAll(receivers);
        const reports = await Promise.all(receivers.map((r) => r.report()));
        expect(sent.undelivered).toEqual([]);
        expectExactlyOnce(sent.ids, reports.flatMap((r) => r.successes));
        expect(reports.every((r) => r.calls > MESSAGES * 0.4)).toBe(true);
      } finally {
        await Promise.all(receivers.map((r) => r.stop()));
      }
    }, 240_000);
  });
});
