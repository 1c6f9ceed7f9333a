// Queue mode on a real 3-master Redis Cluster this file starts: BullMQ over an ioredis Cluster, a hash-tagged prefix
// on Queue and Worker (one queue lives on one shard), dead letters reached through the CLI. Counts, never timings.
import { Cluster, type ClusterOptions } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { maiagentWebhook, type DeliveryOutcome } from 'maiagent-webhook/node';
import { replyJobId, replyProcessor, toQueue, type ReplyJobData } from 'maiagent-webhook/bullmq';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { run } from '../../src/cli';
import { printFigures } from '../support/figures';
import { connectedClients, keysOnEachMaster, useRedisCluster } from '../support/redis-cluster';
import { listenOnLoopback } from '../support/server';

const TOKEN = 'cluster-queue-token';
const PREFIX = '{maiagent}';

const own = useRedisCluster();
const closing = own.closing;

function clusterConnection(options: ClusterOptions = {}): Cluster {
  const connection = new Cluster(own.cluster.nodes, options);
  connection.on('error', () => {});
  closing.push(() => connection.disconnect());
  return connection;
}

let queues = 0;
/** A queue as the README sets one up on a cluster: a hash-tagged prefix, failing fast when a shard is away. */
async function newQueue(options: { prefix?: string; attempts?: number } = {}) {
  const queue = new Queue<ReplyJobData>(`replies-${++queues}`, {
    connection: clusterConnection({ enableOfflineQueue: false }),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    defaultJobOptions: { attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 5 } },
  });
  await queue.waitUntilReady();
  closing.push(() => queue.close());
  return queue;
}

function newWorker(queue: Queue<ReplyJobData>, onMessage: (id: string) => void) {
  const worker = new Worker(queue.name, replyProcessor('maiagent', (message) => onMessage(message.id)), {
    connection: clusterConnection({ redisOptions: { maxRetriesPerRequest: null } }),
    prefix: PREFIX,
    concurrency: 20,
  });
  worker.on('error', () => {});
  closing.push(() => worker.close());
  return worker;
}

async function receiverFor(queue: Queue<ReplyJobData>) {
  const outcomes: DeliveryOutcome[] = [];
  const server = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, deliverTo: toQueue(queue), timeoutMs: 5000, onOutcome: (o) => void outcomes.push(o), log: false }));
  closing.push(() => server.close());
  const post = async (body: string) => {
    const response = await fetch(`${server.url}/maiagent/webhook?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(20_000) });
    await response.arrayBuffer();
    return response.status;
  };
  return { post, outcomes };
}

async function untilCounted(queue: Queue<ReplyJobData>, state: 'completed' | 'failed', count: number) {
  for (let tries = 0; tries < 600; tries += 1) {
    if ((await queue.getJobCounts(state))[state] === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never ${count} ${state}`);
}

it('with a hash-tagged prefix: 100 deliveries sent twice each, all 200, each processed once, the queue on one shard', async () => {
  const queue = await newQueue({ prefix: PREFIX });
  const { post } = await receiverFor(queue);
  const processed = new Map<string, number>();
  newWorker(queue, (id) => void processed.set(id, (processed.get(id) ?? 0) + 1));
  const deliveries = Array.from({ length: 100 }, () => buildMaiAgentDelivery());
  const statuses = await Promise.all(deliveries.flatMap((d) => [post(JSON.stringify(d)), post(JSON.stringify(d))]));
  await untilCounted(queue, 'completed', 100);
  const figures = {
    answered200: statuses.filter((s) => s === 200).length,
    lost: deliveries.filter((d) => !processed.has(d.id)).length,
    processedTwice: [...processed.values()].filter((n) => n > 1).length,
    mastersHoldingTheQueue: (await keysOnEachMaster(own.cluster, `${PREFIX}:${queue.name}:*`)).filter((n) => n > 0).length,
  };
  printFigures('BullMQ on a cluster, hash-tagged prefix', figures);
  expect(figures).toEqual({ answered200: 200, lost: 0, processedTwice: 0, mastersHoldingTheQueue: 1 });
}, 60_000);

it('without a hash tag every delivery is answered 503 queue_unavailable (CROSSSLOT), none 200', async () => {
  const queue = await newQueue();
  const { post, outcomes } = await receiverFor(queue);
  const statuses = await Promise.all(Array.from({ length: 10 }, () => post(JSON.stringify(buildMaiAgentDelivery()))));
  expect(statuses).toEqual(Array(10).fill(503));
  expect(outcomes.map((o) => o.code)).toEqual(Array(10).fill('queue_unavailable'));
}, 60_000);

it('dead letters on a cluster queue: listed and retried through the CLI with --cluster and --prefix', async () => {
  const queue = await newQueue({ prefix: PREFIX, attempts: 1 });
  const { post } = await receiverFor(queue);
  let healed = false;
  newWorker(queue, () => {
    if (!healed) throw new Error('downstream refuses this one');
  });
  const deliveries = Array.from({ length: 3 }, () => buildMaiAgentDelivery());
  for (const d of deliveries) expect(await post(JSON.stringify(d))).toBe(200);
  await untilCounted(queue, 'failed', 3);
  const [node] = own.cluster.ports;
  const clientsBefore = await connectedClients(own.cluster);
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await run(['dead-letters', ...args, '--redis', `redis://127.0.0.1:${node}`, '--cluster', '--prefix', PREFIX, '--queue', queue.name], { log: (l) => out.push(l), error: (l) => out.push(l), env: {} });
    return { code, out: out.join('\n') };
  };
  const listed = await cli('list');
  expect(listed.code).toBe(0);
  for (const d of deliveries) expect(listed.out).toContain(`${replyJobId('maiagent', d.id)}  maiagent`);
  expect(listed.out).toContain('3 dead letters');
  healed = true;
  expect(await cli('retry', '--all')).toEqual({ code: 0, out: 'retried 3' });
  await untilCounted(queue, 'completed', 3);
  // Each run closed the connections it opened to the cluster: a CLI that left one open would never exit.
  expect(await connectedClients(own.cluster)).toBe(clientsBefore);
}, 60_000);

it('toQueue refuses replicas over a Redis Cluster connection: WAIT would reach one node, not the master holding the queue', async () => {
  const queue = await newQueue({ prefix: PREFIX });
  expect(() => toQueue(queue, { replicas: 1 })).toThrow(/Redis Cluster/);
});
