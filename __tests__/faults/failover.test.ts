// A master with a replica whose link is cut, then the master killed and the replica promoted (what Sentinel or a
// managed Redis does): what each mode loses, runs twice or answers 503, unguarded and guarded. Counts, never timings.
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { maiagentWebhook, type DeliveryOutcome } from 'maiagent-webhook/node';
import { replyJobId, toQueue, type ReplyJobData, type ToQueueOptions } from 'maiagent-webhook/bullmq';
import { RedisStore } from 'maiagent-webhook/redis';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import type { MaiAgentPayload } from '../../src/presets/maiagent';
import { printFigures } from '../support/figures';
import { startReplicatedRedis, until, type ReplicatedRedis } from '../support/redis-replica';
import { listenOnLoopback } from '../support/server';

const TOKEN = 'failover-token';
const COUNT = 20;
/** The server settings that make a master refuse writes once its replica lags more than a second. */
const MIN_REPLICAS = ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '1'];


let redis: ReplicatedRedis | undefined;
const closing: (() => unknown)[] = [];
afterEach(async () => {
  try {
    for (const close of closing.splice(0).reverse()) await close();
  } finally {
    await redis?.dispose();
    redis = undefined;
  }
});

async function replicated(settings: string[] = []) {
  redis = await startReplicatedRedis(settings);
  return redis;
}

/** Once the master counts no replica as good (its acknowledgements stopped), it refuses every write. */
async function untilMasterRefusesWrites(rr: ReplicatedRedis) {
  await until(async () => /min_slaves_good_slaves:0/.test(String(await rr.current().sendCommand(['INFO', 'replication']))), 'the master never noticed its replica lagging');
}

async function receiver(options: Parameters<typeof maiagentWebhook>[0]) {
  const outcomes: DeliveryOutcome[] = [];
  const server = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, timeoutMs: 5000, log: false, onOutcome: (o) => void outcomes.push(o), ...options }));
  closing.push(() => server.close());
  const post = async (delivery: MaiAgentPayload) => {
    const response = await fetch(`${server.url}/maiagent/webhook?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(delivery), signal: AbortSignal.timeout(20_000) });
    await response.arrayBuffer();
    return response.status;
  };
  return { post, outcomes };
}

const deliveries = () => Array.from({ length: COUNT }, () => buildMaiAgentDelivery());

describe('queue mode: jobs answered 200 on a master that dies before replicating them', () => {
  let queues = 0;
  /** The queue `name` (a new one by default) on the server at `port`. */
  const queueOn = async (port: number, name = `failover-${++queues}`) => {
    const connection = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    connection.on('error', () => {});
    const queue = new Queue<ReplyJobData>(name, { connection });
    queue.on('error', () => {});
    // Its connection dropped, not the queue closed: the queue on the killed master has nobody to say goodbye to.
    closing.push(() => connection.disconnect());
    await queue.waitUntilReady();
    return queue;
  };

  /** Delivers with the link cut, fails over, and sends again, on the promoted replica, what was not answered 200. */
  async function scenario(rr: ReplicatedRedis, guard: ToQueueOptions, beforeDelivering: () => Promise<void> = async () => {}) {
    const before = await queueOn(rr.masterPort);
    const all = deliveries();
    rr.cutLink();
    await beforeDelivering();
    const first = await receiver({ deliverTo: toQueue(before, guard) });
    const statuses = await Promise.all(all.map(first.post));
    const answered200 = all.filter((_, i) => statuses[i] === 200);
    await rr.failover();
    const after = await queueOn(rr.replicaPort, before.name);
    const kept = async (d: MaiAgentPayload) => Boolean(await after.getJob(replyJobId('maiagent', String(d.id))));
    const lostAfter200 = (await Promise.all(answered200.map(kept))).filter((k) => !k).length;
    const retry = await receiver({ deliverTo: toQueue(after) });
    const retried = await Promise.all(all.filter((_, i) => statuses[i] !== 200).map(retry.post));
    const figures = {
      answered200: answered200.length,
      answered503: statuses.filter((s) => s === 503).length,
      lostAfter200,
      retriedAndQueued: retried.filter((s) => s === 200).length,
    };
    return { figures, codes: first.outcomes.map((o) => o.code) };
  }

  it('unguarded: every job the platform heard 200 for is lost', async () => {
    const { figures } = await scenario(await replicated(), {});
    printFigures('failover, queue mode, unguarded', figures);
    expect(figures).toEqual({ answered200: COUNT, answered503: 0, lostAfter200: COUNT, retriedAndQueued: 0 });
  }, 60_000);

  it('toQueue({ replicas: 1 }): WAIT finds no replica, so 503 and no 200; the platform\'s retry queues each on the promoted replica', async () => {
    const { figures, codes } = await scenario(await replicated(), { replicas: 1, replicaTimeoutMs: 300 });
    printFigures('failover, queue mode, toQueue replicas guard', figures);
    expect(figures).toEqual({ answered200: 0, answered503: COUNT, lostAfter200: 0, retriedAndQueued: COUNT });
    expect(new Set(codes)).toEqual(new Set(['queue_unavailable']));
  }, 60_000);

  it('toQueue({ replicas: 1 }) with the link up: each job is answered 200 once the replica holds it', async () => {
    const rr = await replicated();
    const queue = await queueOn(rr.masterPort);
    const { post } = await receiver({ deliverTo: toQueue(queue, { replicas: 1, replicaTimeoutMs: 2000 }) });
    const all = deliveries();
    const statuses = await Promise.all(all.map(post));
    await rr.failover();
    const after = await queueOn(rr.replicaPort, queue.name);
    const kept = await Promise.all(all.map(async (d) => Boolean(await after.getJob(replyJobId('maiagent', d.id)))));
    expect({ answered200: statuses.filter((s) => s === 200).length, keptAfterFailover: kept.filter(Boolean).length }).toEqual({ answered200: COUNT, keptAfterFailover: COUNT });
  }, 60_000);

  it('min-replicas-to-write 1 on the master: once it counts its replica lagging, 503 and no 200; none lost', async () => {
    const rr = await replicated(MIN_REPLICAS);
    const { figures } = await scenario(rr, {}, () => untilMasterRefusesWrites(rr));
    printFigures('failover, queue mode, min-replicas-to-write', figures);
    expect(figures).toEqual({ answered200: 0, answered503: COUNT, lostAfter200: 0, retriedAndQueued: COUNT });
  }, 60_000);

  it('rejects a replicas guard that is not a whole number, at start-up', () => {
    const queue = { addBulk: async () => [] } as unknown as Queue;
    expect(() => toQueue(queue, { replicas: 0 })).toThrow(TypeError);
    expect(() => toQueue(queue, { replicas: 1, replicaTimeoutMs: 0.5 })).toThrow(TypeError);
  });
});

describe('store mode: done marks on a master that dies before replicating them', () => {
  /** Delivers with the link cut, fails over, then sends every delivery once more (the platform's duplicate or retry). */
  async function scenario(rr: ReplicatedRedis, beforeDelivering: () => Promise<void> = async () => {}) {
    const runs = new Map<string, number>();
    const { post } = await receiver({
      store: new RedisStore({ sendCommand: (args) => rr.current().sendCommand(args) }),
      onMessage: (message) => void runs.set(message.id, (runs.get(message.id) ?? 0) + 1),
    });
    const all = deliveries();
    rr.cutLink();
    await beforeDelivering();
    const statuses = await Promise.all(all.map(post));
    await rr.failover();
    const again = await Promise.all(all.map(post));
    return {
      answered200: statuses.filter((s) => s === 200).length,
      answered503: statuses.filter((s) => s === 503).length,
      answered200AfterFailover: again.filter((s) => s === 200).length,
      lost: all.filter((d) => !runs.has(d.id)).length,
      runTwice: [...runs.values()].filter((n) => n > 1).length,
    };
  }

  it('unguarded: every callback runs again when its id arrives after the failover', async () => {
    const figures = await scenario(await replicated());
    printFigures('failover, store mode, unguarded', figures);
    expect(figures).toEqual({ answered200: COUNT, answered503: 0, answered200AfterFailover: COUNT, lost: 0, runTwice: COUNT });
  }, 60_000);

  it('min-replicas-to-write 1 on the master: once it counts its replica lagging, claims are refused (503); none run twice', async () => {
    const rr = await replicated(MIN_REPLICAS);
    const figures = await scenario(rr, () => untilMasterRefusesWrites(rr));
    printFigures('failover, store mode, min-replicas-to-write', figures);
    expect(figures).toEqual({ answered200: 0, answered503: COUNT, answered200AfterFailover: COUNT, lost: 0, runTwice: 0 });
  }, 60_000);
});
