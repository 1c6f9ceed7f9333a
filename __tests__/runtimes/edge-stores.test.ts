// A store every isolate shares, on Cloudflare's workerd through Miniflare (no nodejs_compat): the README's Worker
// over @upstash/redis, against a local stand-in for Upstash's REST API in front of a real redis-server.
import type { Miniflare } from 'miniflare';
import { OUTCOME_HEADER } from '../../src/core/outcomes';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { connectTestRedis, type TestRedis } from '../support/redis';
import { startUpstashStandIn, type UpstashStandIn } from '../support/upstash-stand-in';
import { bundleWorker, startWorkerd } from '../support/workerd';

const TOKEN = 'edge-token';

/** Sends a delivery to a Worker; answers its status and outcome code. */
async function sendTo(mf: Miniflare, body: unknown): Promise<string> {
  const response = await mf.dispatchFetch('http://127.0.0.1/maiagent/webhook', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return `${response.status} ${response.headers.get(OUTCOME_HEADER) ?? ''}`;
}

let redis: TestRedis;
let upstash: UpstashStandIn;
let script: string;
beforeAll(async () => {
  redis = await connectTestRedis();
  upstash = await startUpstashStandIn(redis.sendCommand);
  script = await bundleWorker('examples/worker-upstash.ts');
}, 60_000);
afterAll(async () => {
  await upstash.close();
  await redis.close();
});

/** One Worker isolate of the example, with its secrets. */
async function isolate() {
  const mf = await startWorkerd(script, { bindings: { MAIAGENT_WEBHOOK_TOKEN: TOKEN, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token } });
  return { send: (body: unknown) => sendTo(mf, body), dispose: () => mf.dispose() };
}

describe('examples/worker-upstash.ts in workerd', () => {
  it('two isolates share the dedupe: each id delivered in one runs its callback once, its copy in the other is a duplicate', async () => {
    const [a, b] = [await isolate(), await isolate()];
    try {
      const deliveries = Array.from({ length: 10 }, () => buildMaiAgentDelivery());
      const first = await Promise.all(deliveries.map(a.send));
      const copies = await Promise.all(deliveries.map(b.send));
      expect({ first, copies }).toEqual({ first: Array(10).fill('200 delivered'), copies: Array(10).fill('200 duplicate') });
      expect(await redis.sendCommand(['GET', `maiagent-webhook:maiagent:${deliveries[0]?.id}`])).toBe('done');
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  }, 60_000);

  it('a claim whose HTTP reply is lost, retried by @upstash/redis, is the attempt\'s own: 200 at the first arrival', async () => {
    const worker = await isolate();
    try {
      const deliveries = Array.from({ length: 5 }, () => buildMaiAgentDelivery());
      upstash.dropRepliesOf('NX', deliveries.length);
      const answers: string[] = [];
      for (const delivery of deliveries) answers.push(await worker.send(delivery));
      printFigures('upstash claim reply lost, retried', { dropped: upstash.dropped, answers });
      expect({ dropped: upstash.dropped, answers }).toEqual({ dropped: 5, answers: Array(5).fill('200 delivered') });
    } finally {
      await worker.dispose();
    }
  }, 60_000);
});

describe('examples/worker-durable-object.ts in workerd', () => {
  it('10 ids, each sent three times at once: one callback each, the copies answered duplicate or 409', async () => {
    const mf = await startWorkerd(await bundleWorker('examples/worker-durable-object.ts'), { bindings: { MAIAGENT_WEBHOOK_TOKEN: TOKEN }, durableObjects: { DEDUPE: 'DedupeObject' } });
    try {
      const deliveries = Array.from({ length: 10 }, () => buildMaiAgentDelivery());
      const answers = await Promise.all(deliveries.flatMap((d) => [sendTo(mf, d), sendTo(mf, d), sendTo(mf, d)]));
      const perId = deliveries.map((_, i) => answers.slice(3 * i, 3 * i + 3).filter((a) => a === '200 delivered').length);
      const others = answers.filter((a) => a !== '200 delivered');
      printFigures('Durable Object store, 10 ids sent three times at once', { perId, others: others.length });
      expect(perId).toEqual(Array(10).fill(1));
      expect(others.every((a) => a === '200 duplicate' || a.startsWith('409'))).toBe(true);
      // A copy after the first settled: a duplicate.
      expect(await sendTo(mf, deliveries[0])).toBe('200 duplicate');
    } finally {
      await mf.dispose();
    }
  }, 60_000);
});
