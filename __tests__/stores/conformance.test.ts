// One conformance suite over every store: the same contract, whichever is plugged in.
import { createClient, createCluster } from 'redis';
import Redis, { Cluster } from 'ioredis';
import type { DedupeStore } from 'maiagent-webhook';
import { MemoryStore } from 'maiagent-webhook';
import { commandKey, RedisStore, type SendCommand } from 'maiagent-webhook/redis';
import { connectTestRedis, type TestRedis } from '../support/redis';
import { startRedisCluster, type TestCluster } from '../support/redis-cluster';

let redis: TestRedis;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  redis = await connectTestRedis();
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await redis.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 3-master Redis Cluster, started once for the cluster cases. */
let cluster: Promise<TestCluster> | undefined;
function testCluster(): Promise<TestCluster> {
  if (!cluster) {
    cluster = startRedisCluster();
    cleanups.push(async () => (await cluster)?.stop());
  }
  return cluster;
}

// Starting a store here can mean starting a 3-master cluster or workerd: more than jest's default 5 s on a busy machine.
jest.setTimeout(30_000);

// Long enough that a claim's own round trips (workerd, a loaded CI machine) never outlast it, short enough to wait out.
const SHORT_TTL_MS = 1000;
const PAST_SHORT_TTL_MS = 1300;

let sequence = 0;
const uniqueKey = () => `maiagent:msg-${++sequence}`;

/**
 * `first` claims an id and lets its claim lapse; `second` takes the id over; `first` then releases its own lapsed
 * claim. Answers what a later claim meets: `in_flight` while the release left the takeover alone.
 */
async function releaseAfterTakeover(first: DedupeStore, second: DedupeStore) {
  const key = uniqueKey();
  await first.claim(key, 'attempt-1');
  await sleep(PAST_SHORT_TTL_MS);
  expect(await second.claim(key, 'attempt-2')).toBe('claimed');
  await first.release(key, 'attempt-1');
  return second.claim(key, 'attempt-3');
}

interface StoreCase {
  name: string;
  create(options?: { claimTtlMs?: number }): Promise<DedupeStore>;
}

const stores: StoreCase[] = [
  {
    name: 'MemoryStore',
    create: async (options) => {
      const store = new MemoryStore(options);
      cleanups.push(() => store.close());
      return store;
    },
  },
  {
    name: 'RedisStore over node-redis',
    create: async (options) => {
      const client = createClient({ url: redis.url });
      await client.connect();
      cleanups.push(() => client.destroy());
      return new RedisStore({ sendCommand: (args) => client.sendCommand(args), prefix: redis.prefix, ...options });
    },
  },
  {
    name: 'RedisStore over ioredis',
    create: async (options) => {
      const client = new Redis(redis.url);
      cleanups.push(() => client.disconnect());
      return new RedisStore({ sendCommand: (args) => client.call(args[0] as string, ...args.slice(1)), prefix: redis.prefix, ...options });
    },
  },
  {
    name: 'RedisStore over a node-redis cluster (createCluster, routed by commandKey)',
    create: async (options) => {
      const client = createCluster({ rootNodes: (await testCluster()).rootNodes });
      client.on('error', () => {});
      await client.connect();
      cleanups.push(() => client.destroy());
      return new RedisStore({ sendCommand: (args) => client.sendCommand(commandKey(args), false, args), ...options });
    },
  },
  {
    name: 'RedisStore over an ioredis Cluster',
    create: async (options) => {
      const client = new Cluster((await testCluster()).nodes);
      client.on('error', () => {});
      cleanups.push(() => client.disconnect());
      return new RedisStore({ sendCommand: ([command, ...args]) => client.call(command as string, ...args), ...options });
    },
  },
  {
    name: 'DurableObjectStore (examples/worker-durable-object.ts) in workerd through Miniflare',
    create: async (options) => {
      const { startDurableObjectStore } = await import('../support/workerd');
      const running = await startDurableObjectStore(options);
      cleanups.push(() => running.dispose());
      return running.store;
    },
  },
];

describe.each(stores)('$name', ({ create }) => {
  let store: DedupeStore;
  beforeAll(async () => {
    store = await create();
  }, 60_000);

  it('claims an unknown id, and answers in_flight while the claim is held', async () => {
    const key = uniqueKey();
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-2')).toBe('in_flight');
  });

  it('answers claimed to the attempt that holds the claim when it asks again (a client resending a claim whose reply was lost)', async () => {
    const key = uniqueKey();
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-2')).toBe('in_flight');
  });

  it('answers done for an id whose callback completed', async () => {
    const key = uniqueKey();
    await store.claim(key, 'attempt-1');
    await store.complete(key, 'attempt-1');
    expect(await store.claim(key, 'attempt-1')).toBe('done');
    expect(await store.claim(key, 'attempt-1')).toBe('done');
  });

  it('lets an id be claimed again after a release', async () => {
    const key = uniqueKey();
    await store.claim(key, 'attempt-1');
    await store.release(key, 'attempt-1');
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
  });

  it('keeps ids apart', async () => {
    const [a, b] = [uniqueKey(), uniqueKey()];
    await store.claim(a, 'attempt-1');
    await store.complete(a, 'attempt-1');
    expect(await store.claim(b, 'attempt-1')).toBe('claimed');
  });

  it('frees a claim only for the attempt that holds it', async () => {
    const key = uniqueKey();
    expect(await store.claim(key, 'first')).toBe('claimed');
    await store.release(key, 'someone-else');
    expect(await store.claim(key, 'second')).toBe('in_flight');
    await store.release(key, 'first');
    expect(await store.claim(key, 'third')).toBe('claimed');
  });

  it('marks an id done on completion whoever holds it, and a later release changes nothing', async () => {
    const key = uniqueKey();
    await store.claim(key, 'first');
    await store.complete(key, 'first');
    await store.release(key, 'first');
    expect(await store.claim(key, 'second')).toBe('done');
  });

  it('grants exactly one of many simultaneous claims of one id', async () => {
    const key = uniqueKey();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim(key, `attempt-${i}`)));
    expect(answers.filter((a) => a === 'claimed')).toHaveLength(1);
    expect(answers.filter((a) => a === 'in_flight')).toHaveLength(49);
  });

  // A process that never settles its claim (killed, or a Worker whose request was cancelled): its id must not be
  // answered 409 forever.
  it('frees the claim of an attempt that never settles it after claimTtlMs', async () => {
    const expiring = await create({ claimTtlMs: SHORT_TTL_MS });
    const key = uniqueKey();
    expect(await expiring.claim(key, 'attempt-1')).toBe('claimed');
    expect(await expiring.claim(key, 'attempt-2')).toBe('in_flight');
    await sleep(PAST_SHORT_TTL_MS);
    expect(await expiring.claim(key, 'attempt-3')).toBe('claimed');
  });

  it('never releases a claim it took again, for a later attempt, after the first expired', async () => {
    const expiring = await create({ claimTtlMs: SHORT_TTL_MS });
    await expect(releaseAfterTakeover(expiring, expiring)).resolves.toBe('in_flight');
  });
});

describe('MemoryStore bounds', () => {
  it('holds at most maxEntries succeeded ids however many arrive, dropping the oldest generation', () => {
    const store = new MemoryStore({ maxEntries: 1000 });
    for (let i = 0; i < 100_000; i += 1) {
      store.claim(`k${i}`, 'attempt-1');
      store.complete(`k${i}`, 'attempt-1');
    }
    expect(store.size).toBeLessThanOrEqual(1000);
    expect(store.claim('k99999', 'attempt-1')).toBe('done');
    expect(store.claim('k0', 'attempt-1')).toBe('claimed');
    store.close();
  });

  it('forgets a succeeded id between one and two ttlMs later, by swapping generations as claims arrive', () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryStore({ ttlMs: 1000 });
      store.claim('a', 'attempt-1');
      store.complete('a', 'attempt-1');
      jest.advanceTimersByTime(1000);
      expect(store.claim('a', 'attempt-1')).toBe('done');
      jest.advanceTimersByTime(1000);
      expect(store.claim('a', 'attempt-1')).toBe('claimed');
      store.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a claim in flight across rotations until claimTtlMs, then lets it go', () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryStore({ ttlMs: 10, maxEntries: 2, claimTtlMs: 1000 });
      store.claim('running', 'attempt-1');
      for (let i = 0; i < 10; i += 1) {
        store.claim(`x${i}`, 'attempt-1');
        store.complete(`x${i}`, 'attempt-1');
        jest.advanceTimersByTime(50);
      }
      expect(store.claim('running', 'attempt-2')).toBe('in_flight');
      jest.advanceTimersByTime(500);
      expect(store.claim('running', 'attempt-3')).toBe('claimed');
      store.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('expires claims without a timer of its own', () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryStore({ claimTtlMs: 1000 });
      store.claim('a', 'attempt-1');
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(1000);
      expect(store.claim('a', 'attempt-2')).toBe('claimed');
    } finally {
      jest.useRealTimers();
    }
  });

  it('sets no timer, so it keeps no process alive on any runtime', () => {
    jest.useFakeTimers();
    try {
      const store = new MemoryStore({ ttlMs: 1000 });
      store.claim('a', 'attempt-1');
      store.complete('a', 'attempt-1');
      store.claim('b', 'attempt-1');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([[{ ttlMs: 0 }], [{ ttlMs: 1.5 }], [{ maxEntries: -1 }], [{ maxEntries: 1.5 }], [{ claimTtlMs: 0 }]])('rejects %p', (options) => {
    expect(() => new MemoryStore(options)).toThrow(TypeError);
  });
});

describe('RedisStore specifics', () => {
  const storeWith = (options: { claimTtlMs?: number; ttlMs?: number } = {}) =>
    new RedisStore({ sendCommand: redis.sendCommand, prefix: redis.prefix, ...options });

  it('forgets a succeeded id after ttlMs', async () => {
    const store = storeWith({ ttlMs: SHORT_TTL_MS });
    const key = uniqueKey();
    await store.claim(key, 'attempt-1');
    await store.complete(key, 'attempt-1');
    expect(await store.claim(key, 'attempt-1')).toBe('done');
    await sleep(PAST_SHORT_TTL_MS);
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
  });

  it('never releases a claim another process took after its own expired', async () => {
    await expect(releaseAfterTakeover(storeWith({ claimTtlMs: SHORT_TTL_MS }), storeWith())).resolves.toBe('in_flight');
  });

  it('writes only under its prefix, with an expiry on every key', async () => {
    const store = storeWith();
    const key = uniqueKey();
    await store.claim(key, 'attempt-1');
    expect(Number(await redis.sendCommand(['PTTL', `${redis.prefix}${key}`]))).toBeGreaterThan(0);
    await store.complete(key, 'attempt-1');
    expect(Number(await redis.sendCommand(['PTTL', `${redis.prefix}${key}`]))).toBeGreaterThan(0);
  });

  /** Counts the commands sent, by name and option, to the test server. */
  function counting(send: SendCommand = redis.sendCommand) {
    const sent: string[] = [];
    const sendCommand: SendCommand = (args) => {
      sent.push(args.filter((arg) => /^[A-Z]+$/.test(arg)).join(' '));
      return send(args);
    };
    return { sent, sendCommand };
  }

  it('answers claimed when the client delivers a claim twice (the first reply lost, the command resent)', async () => {
    const twice: SendCommand = async (args) => {
      if (args[0] === 'SET' && args.includes('NX')) await redis.sendCommand(args);
      return redis.sendCommand(args);
    };
    const store = new RedisStore({ sendCommand: twice, prefix: redis.prefix });
    const key = uniqueKey();
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-2')).toBe('in_flight');
  });

  it('answers a claim, duplicate or not, in one command on Redis 7+ (SET NX PX GET)', async () => {
    const { sent, sendCommand } = counting();
    const store = new RedisStore({ sendCommand, prefix: redis.prefix });
    const key = uniqueKey();
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-2')).toBe('in_flight');
    await store.complete(key, 'attempt-2');
    expect(await store.claim(key, 'attempt-3')).toBe('done');
    expect(sent).toEqual(['SET NX PX GET', 'SET NX PX GET', 'SET PX', 'SET NX PX GET']);
  });

  it('on a server without SET NX GET (before Redis 7) falls back to SET NX then GET, having tried once', async () => {
    // Redis 6.2 and older answer SET with both NX and GET with this error reply, and set nothing.
    const olderRedis: SendCommand = async (args) => {
      if (args[0] === 'SET' && args.includes('NX') && args.includes('GET')) throw new Error('ERR syntax error');
      return redis.sendCommand(args);
    };
    const { sent, sendCommand } = counting(olderRedis);
    const store = new RedisStore({ sendCommand, prefix: redis.prefix });
    const key = uniqueKey();
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-1')).toBe('claimed');
    expect(await store.claim(key, 'attempt-2')).toBe('in_flight');
    expect(sent).toEqual(['SET NX PX GET', 'SET NX PX', 'SET NX PX', 'GET', 'SET NX PX', 'GET']);
  });

  it('keeps trying SET NX GET after a failure that is not the server refusing the syntax (a dropped connection)', async () => {
    let drop = true;
    const flaky: SendCommand = async (args) => {
      if (drop) {
        drop = false;
        throw new Error('Connection is closed.');
      }
      return redis.sendCommand(args);
    };
    const { sent, sendCommand } = counting(flaky);
    const store = new RedisStore({ sendCommand, prefix: redis.prefix });
    const key = uniqueKey();
    await expect(store.claim(key, 'attempt-1')).rejects.toThrow('Connection is closed.');
    expect(await store.claim(key, 'attempt-2')).toBe('claimed');
    expect(sent).toEqual(['SET NX PX GET', 'SET NX PX GET']);
  });

  it('rejects a missing sendCommand and bad durations at construction', () => {
    expect(() => new RedisStore({} as never)).toThrow(TypeError);
    expect(() => storeWith({ claimTtlMs: 0 })).toThrow(TypeError);
  });
});
