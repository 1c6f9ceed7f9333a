// The fault suite, in one process: a RedisStore over node-redis through a TCP proxy that makes a real redis-server
// slow or silent, and each store command failing at each step. Counts: answered, late, lost, run twice, stuck.
import { createWebhookHandler } from '../../src/core/handle';
import type { DeliveryOutcome } from '../../src/core/options';
import type { Outcome } from '../../src/core/types';
import { maiagentPreset } from '../../src/presets/maiagent';
import { RedisStore, type SendCommand } from '../../src/stores/redis';
import { buildMaiAgentDelivery } from '../../src/testing';
import { printFigures } from '../support/figures';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';
import { connectTestRedis, nodeRedisAsTheReadmeWires, type TestRedis } from '../support/redis';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const TIMEOUT_MS = 200;
const LATE_MARGIN_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: TestRedis;
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(() => redis.close());

let run = 0;

/** A receiver over `sendCommand`, counting each id's successful callbacks; `failFirstCall` fails each id's first call. */
function receiver(sendCommand: SendCommand, options: { failFirstCall?: boolean; timeoutMs?: number } = {}) {
  const prefix = `${redis.prefix}faults-${++run}:`;
  const successes = new Map<string, number>();
  const calls = new Map<string, number>();
  const outcomes: DeliveryOutcome[] = [];
  const handle = promising(createWebhookHandler(maiagentPreset, {
    authToken: TOKEN,
    timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
    store: new RedisStore({ sendCommand, prefix, claimTtlMs: 3000 }),
    onOutcome: (outcome) => void outcomes.push(outcome),
    log: false,
    onMessage: (message) => {
      const call = (calls.get(message.id) ?? 0) + 1;
      calls.set(message.id, call);
      if (options.failFirstCall && call === 1) throw new Error('downstream down');
      successes.set(message.id, (successes.get(message.id) ?? 0) + 1);
    },
  }));
  const send = (text: string): Promise<Outcome> =>
    handle(plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }));
  /** Like the platform: again until 200, with a pause, a bounded number of times. */
  const deliver = async (text: string): Promise<boolean> => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await send(text)).status === 200) return true;
      await sleep(20);
    }
    return false;
  };
  /** Keys left under this receiver's prefix that are not 'done': claims nobody will ever record. */
  const stuck = async (): Promise<number> => {
    const keys = (await redis.sendCommand(['KEYS', `${prefix}*`])) as string[];
    const values = keys.length ? ((await redis.sendCommand(['MGET', ...keys])) as string[]) : [];
    return values.filter((value) => value !== 'done').length;
  };
  /** Delivers every one like the platform, closes like the README's shutdown, and counts what went wrong. */
  const deliverAll = async (ids: string[], texts: string[]) => {
    const delivered = await Promise.all(texts.map(deliver));
    await handle.close();
    return {
      undelivered: delivered.filter((ok) => !ok).length,
      lost: ids.filter((id) => !successes.has(id)).length,
      runTwice: [...successes.values()].filter((n) => n > 1).length,
    };
  };
  return { handle, send, deliverAll, stuck, successes, outcomes };
}

function deliveries(count: number): { ids: string[]; texts: string[] } {
  const all = Array.from({ length: count }, () => buildMaiAgentDelivery());
  return { ids: all.map((d) => d.id), texts: all.map((d) => JSON.stringify(d)) };
}

describe('a Redis that is slow or silent (a TCP proxy in front of it)', () => {
  let proxy: TcpProxy;
  let client: ReturnType<typeof nodeRedisAsTheReadmeWires>;
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(redis.url).port));
    client = nodeRedisAsTheReadmeWires(`redis://127.0.0.1:${proxy.port}`);
    await client.connect();
  });
  afterAll(async () => {
    client.destroy();
    await proxy.close();
  });

  it.each([
    ['slow (every packet held 3 × timeoutMs)', { kind: 'slow', delayMs: 3 * TIMEOUT_MS }],
    ['silent (nothing forwarded until it recovers)', { kind: 'silent' }],
  ] as const)('%s: every delivery answered 503 within timeoutMs; after it recovers, each id runs once and nothing is stuck', async (_name, mode) => {
    const { send, deliverAll, stuck, successes, outcomes } = receiver((args) => client.sendCommand(args));
    const { ids, texts } = deliveries(50);
    proxy.setMode(mode);
    const answers = await Promise.all(texts.map(send));
    const during = {
      answered: answers.length,
      storeUnavailable: answers.filter((a) => a.code === 'store_unavailable').length,
      answeredLate: outcomes.filter((o) => o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS).length,
      callbacks: successes.size,
    };
    proxy.setMode({ kind: 'pass' });
    const after = { ...(await deliverAll(ids, texts)), stuck: await stuck() };
    printFigures(`Redis ${mode.kind}`, { during, after });
    expect(during).toEqual({ answered: 50, storeUnavailable: 50, answeredLate: 0, callbacks: 0 });
    expect(after).toEqual({ undelivered: 0, lost: 0, runTwice: 0, stuck: 0 });
  }, 60_000);

  // The README's node-redis client has no per-command timeout of its own: the webhook's timeoutMs is the only bound.
  it('silent through close(): every delivery answered 503 within timeoutMs, close() resolves while Redis is still silent, and the claims that land later are given back', async () => {
    const { send, handle, stuck, successes, outcomes } = receiver((args) => client.sendCommand(args));
    const { texts } = deliveries(20);
    proxy.setMode({ kind: 'silent' });
    const answers = await Promise.all(texts.map(send));
    await handle.close(); // with Redis still silent: the test's own timeout is what would catch a hang
    const whileSilent = {
      storeUnavailable: answers.filter((a) => a.code === 'store_unavailable').length,
      answeredLate: outcomes.filter((o) => o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS).length,
      callbacks: successes.size,
    };
    proxy.setMode({ kind: 'pass' });
    const stuckAfter = await settled(stuck);
    printFigures('Redis silent through close()', { whileSilent, stuckAfter });
    expect({ whileSilent, stuckAfter }).toEqual({ whileSilent: { storeUnavailable: 20, answeredLate: 0, callbacks: 0 }, stuckAfter: 0 });
  }, 60_000);
});

/** Reads `count` until it is 0 (what the late claims' releases lead to), a bounded number of times; the last reading. */
async function settled(count: () => Promise<number>): Promise<number> {
  let value = await count();
  for (let attempt = 0; value > 0 && attempt < 100; attempt += 1) {
    await sleep(50);
    value = await count();
  }
  return value;
}

describe('Redis down behind the README\'s ioredis wiring (it retries each command for about 72 s)', () => {
  it('every delivery is answered 503 within timeoutMs while it is down; after it is back, each id runs once', async () => {
    const { startOwnRedis } = await import('../support/redis-server');
    const Redis = (await import('ioredis')).default;
    const own = await startOwnRedis();
    const client = new Redis(own.url, { lazyConnect: true });
    client.on('error', () => {});
    try {
      await client.connect();
      const { send, deliverAll, outcomes } = receiver(([command, ...args]) => client.call(command as string, ...args));
      const { ids, texts } = deliveries(20);
      await own.stop();
      const answers = await Promise.all(texts.map(send));
      const during = {
        storeUnavailable: answers.filter((a) => a.code === 'store_unavailable').length,
        answeredLate: outcomes.filter((o) => o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS).length,
      };
      await own.start();
      const after = await deliverAll(ids, texts);
      printFigures('Redis down (ioredis)', { during, after });
      expect({ during, after }).toEqual({ during: { storeUnavailable: 20, answeredLate: 0 }, after: { undelivered: 0, lost: 0, runTwice: 0 } });
    } finally {
      client.disconnect();
      await own.dispose();
    }
  }, 60_000);
});

describe('a claim whose reply is lost and that ioredis sends again (the connection cut after Redis ran it)', () => {
  it('every delivery is answered 200 at its first arrival and runs once: the attempt reads its own claim back as its own', async () => {
    const { startCuttingProxy } = await import('../support/cutting-proxy');
    const Redis = (await import('ioredis')).default;
    const proxy = await startCuttingProxy(Number(new URL(redis.url).port));
    // ioredis's defaults: reconnect, then resend what was sent and not answered (autoResendUnfulfilledCommands).
    const client = new Redis(`redis://127.0.0.1:${proxy.port}`);
    client.on('error', () => {});
    try {
      // A deadline wide enough for the reconnect, so that every answer is the claim's own.
      const { send, successes, handle } = receiver(([command, ...args]) => client.call(command as string, ...args), { timeoutMs: 5000 });
      const { ids, texts } = deliveries(10);
      proxy.cutAfter('\r\nNX\r\n', ids.length);
      const codes: string[] = [];
      for (const text of texts) codes.push((await send(text)).code);
      await handle.close();
      const figures = { cuts: proxy.cuts, delivered: codes.filter((code) => code === 'delivered').length, lost: ids.filter((id) => !successes.has(id)).length, runTwice: [...successes.values()].filter((n) => n > 1).length };
      printFigures('claim resent after a cut (ioredis)', figures);
      expect(figures).toEqual({ cuts: 10, delivered: 10, lost: 0, runTwice: 0 });
    } finally {
      client.disconnect();
      await proxy.close();
    }
  }, 60_000);
});

describe('a claim whose reply is lost and that node-redis fails instead of resending (the connection cut after Redis ran it)', () => {
  it('the platform\'s next retry is answered 200, not 409 until claimTtlMs: the failed attempt frees what it may hold', async () => {
    const { startCuttingProxy } = await import('../support/cutting-proxy');
    const proxy = await startCuttingProxy(Number(new URL(redis.url).port));
    // node-redis rejects the commands a lost connection had sent, and sends later ones after reconnecting.
    const client = nodeRedisAsTheReadmeWires(`redis://127.0.0.1:${proxy.port}`);
    await client.connect();
    try {
      const { send, successes, handle } = receiver((args) => client.sendCommand(args), { timeoutMs: 5000 });
      const { ids, texts } = deliveries(10);
      proxy.cutAfter('\r\nNX\r\n', ids.length);
      const first: number[] = [];
      const retried: string[] = [];
      for (const text of texts) {
        first.push((await send(text)).status);
        retried.push((await send(text)).code);
      }
      await handle.close();
      const figures = {
        cuts: proxy.cuts,
        firstAnswered503: first.filter((status) => status === 503).length,
        retryDelivered: retried.filter((code) => code === 'delivered').length,
        lost: ids.filter((id) => !successes.has(id)).length,
        runTwice: [...successes.values()].filter((n) => n > 1).length,
      };
      printFigures('claim failed after a cut (node-redis)', figures);
      expect(figures).toEqual({ cuts: 10, firstAnswered503: 10, retryDelivered: 10, lost: 0, runTwice: 0 });
    } finally {
      await client.disconnect().catch(() => {});
      await proxy.close();
    }
  }, 60_000);
});

describe('a claim Redis ran whose failure arrives only after the delivery stopped waiting for it (a shard failing over)', () => {
  it('the retry after that failure is answered 200, not 409 until claimTtlMs: the failed claim is freed whenever it fails', async () => {
    // Each id's first claim lands, and its client reports a failure only after twice timeoutMs (the late claim
    // given up by then); later commands pass.
    const failedOnce = new Set<string>();
    const lateFailure: SendCommand = async (args) => {
      const reply = await redis.sendCommand(args);
      const key = args[1] as string;
      if (stepOf(args) !== 'claim' || failedOnce.has(key)) return reply;
      failedOnce.add(key);
      await sleep(3 * 100);
      throw new Error('connection lost');
    };
    const { send, successes, handle } = receiver(lateFailure, { timeoutMs: 100 });
    const { ids, texts } = deliveries(5);
    const first = await Promise.all(texts.map((text) => send(text)));
    await sleep(3 * 100 + 200);
    const retried = await Promise.all(texts.map((text) => send(text)));
    await handle.close();
    const figures = {
      firstAnswered503: first.filter((o) => o.status === 503).length,
      retryDelivered: retried.filter((o) => o.code === 'delivered').length,
      lost: ids.filter((id) => !successes.has(id)).length,
    };
    printFigures('claim failing after the late claim was given up', figures);
    expect(figures).toEqual({ firstAnswered503: 5, retryDelivered: 5, lost: 0 });
  }, 60_000);
});

type Step = 'claim' | 'complete' | 'release';

function stepOf(args: string[]): Step | undefined {
  if (args[0] === 'SET' && args.includes('NX')) return 'claim';
  if (args[0] === 'SET' && args[2] === 'done') return 'complete';
  if (args[0] === 'EVAL') return 'release';
  return undefined;
}

/** Fails the given step's command for each key: `times` times, or always. */
function failing(step: Step, times: number): SendCommand {
  const failures = new Map<string, number>();
  return async (args) => {
    if (stepOf(args) === step) {
      const key = args[1] as string;
      const failed = failures.get(key) ?? 0;
      if (failed < times) {
        failures.set(key, failed + 1);
        throw new Error(`${step} failed`);
      }
    }
    return redis.sendCommand(args);
  };
}

describe('each store command failing at each step', () => {
  it.each<Step>(['claim', 'complete', 'release'])('%s failing once for every id: none lost, none run twice, nothing stuck', async (step) => {
    const { deliverAll, stuck, outcomes } = receiver(failing(step, 1), { failFirstCall: step === 'release' });
    const { ids, texts } = deliveries(30);
    const figures = {
      ...(await deliverAll(ids, texts)),
      stuck: await stuck(),
      // A failed claim is a 503 the platform retries; a failed write is tried again before anyone is told.
      storeUnavailable: outcomes.filter((o) => o.code === 'store_unavailable').length,
      warnings: outcomes.flatMap((o) => o.warnings).length,
    };
    printFigures(`${step} failing once`, figures);
    expect(figures).toEqual({ undelivered: 0, lost: 0, runTwice: 0, stuck: 0, storeUnavailable: step === 'claim' ? 30 : 0, warnings: 0 });
  }, 60_000);

  it.each<['complete' | 'release', string]>([
    ['complete', 'the answer stays 200'],
    ['release', 'the answer stays 500'],
  ])('%s failing every time: %s, and onOutcome hears store_record_failed', async (step) => {
    const { send, successes, outcomes, handle } = receiver(failing(step, Infinity), { failFirstCall: step === 'release' });
    const { texts } = deliveries(5);
    const answers = await Promise.all(texts.map(send));
    await handle.close();
    expect(answers.map((a) => a.code)).toEqual(Array(5).fill(step === 'complete' ? 'delivered' : 'handler_failed'));
    expect(successes.size).toBe(step === 'complete' ? 5 : 0);
    expect(outcomes.map((o) => o.warnings.map((w) => `${w.code}:${'step' in w ? w.step : ''}`))).toEqual(Array(5).fill([`store_record_failed:${step}`]));
  }, 60_000);
});
