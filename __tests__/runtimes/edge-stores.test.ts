// A store every isolate shares, on Cloudflare's workerd through Miniflare (no nodejs_compat): the README's Worker
// over @upstash/redis, against a local stand-in for Upstash's REST API in front of a real redis-server.
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { Miniflare } from 'miniflare';
import { OUTCOME_HEADER } from '../../src/core/outcomes';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { connectTestRedis, type TestRedis } from '../support/redis';
import { startUpstashStandIn, type UpstashStandIn } from '../support/upstash-stand-in';

const root = join(__dirname, '..', '..');
const TOKEN = 'edge-token';

/** The package as built (`dist`), the way a consumer's bundler sees it. */
const builtPackage: Plugin = {
  name: 'maiagent-webhook-dist',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^maiagent-webhook(\/.*)?$/ }, ({ path }) => ({ path: join(root, 'dist', `${path.slice('maiagent-webhook/'.length) || 'index'}.mjs`) }));
  },
};

async function bundle(entry: string): Promise<string> {
  const result = await build({ entryPoints: [join(root, entry)], bundle: true, format: 'esm', platform: 'browser', conditions: ['worker', 'browser'], write: false, logLevel: 'warning', plugins: [builtPackage] });
  return result.outputFiles[0]?.text ?? '';
}

let redis: TestRedis;
let upstash: UpstashStandIn;
let script: string;
beforeAll(async () => {
  redis = await connectTestRedis();
  upstash = await startUpstashStandIn(redis.sendCommand);
  script = await bundle('examples/worker-upstash.ts');
}, 60_000);
afterAll(async () => {
  await upstash.close();
  await redis.close();
});

/** One Worker isolate of the example, with its secrets. */
async function isolate() {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: [],
    cf: false,
    bindings: { MAIAGENT_WEBHOOK_TOKEN: TOKEN, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token },
  });
  await mf.ready;
  const send = async (body: unknown) => {
    const response = await mf.dispatchFetch('http://127.0.0.1/maiagent/webhook', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await response.arrayBuffer();
    return `${response.status} ${response.headers.get(OUTCOME_HEADER) ?? ''}`;
  };
  return { send, dispose: () => mf.dispose() };
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
