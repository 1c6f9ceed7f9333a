// The docs' RedisStore examples, each run as a user runs it (a process of its own), while its Redis goes away: the
// process stays up, each client error is one line (never a stack per reconnect), and deliveries are answered 200
// again once Redis is back.
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { startExampleProcess, type ExampleProcess } from '../support/example-process';
import { startRedisCluster } from '../support/redis-cluster';
import { startOwnRedis } from '../support/redis-server';

const TOKEN = 'redis-examples-token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One delivery, retried as the platform would (bounded) until it is answered 200: the statuses it got. */
async function deliverUntil200(example: ExampleProcess, body: object = buildMaiAgentDelivery()): Promise<number[]> {
  const statuses: number[] = [];
  // Bounded in time too: a store that never recovers answers each try only at timeoutMs, and the test must end by itself.
  const giveUpAt = Date.now() + 40_000;
  for (let tries = 0; tries < 60 && statuses.at(-1) !== 200 && example.running() && Date.now() < giveUpAt; tries += 1) {
    if (tries > 0) await sleep(250);
    statuses.push((await sendDelivery(`${example.url}/maiagent/webhook`, { token: TOKEN, body })).status);
  }
  return statuses;
}

/**
 * What the example printed from `from` on, while Redis was away: waits (bounded) until it has reported `count`
 * client errors in its own words (`redis: …`), or has ended.
 */
async function printedWhileAway(example: ExampleProcess, from: number, count: number): Promise<string[]> {
  const lines = () => example.output().slice(from).split('\n').filter((line) => line !== '');
  const reported = () => lines().filter((line) => line.startsWith('redis: ')).length;
  for (let i = 0; i < 400 && reported() < count && example.running(); i += 1) await sleep(25);
  return lines();
}

/** `stop` run once, however often it is called (a cluster's stop waits for an exit it has already seen). */
function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}

const stackLines = (lines: string[]) => lines.filter((line) => /^\s+at /.test(line));

/** The example is still running, printed no stack, and said each of at least three client errors in one line. */
function expectStayedUpQuietly(example: ExampleProcess, printed: string[]): void {
  expect({ running: example.running(), stackLines: stackLines(printed) }).toEqual({ running: true, stackLines: [] });
  expect(printed.filter((line) => line.startsWith('redis: ')).length).toBeGreaterThanOrEqual(3);
}

it.each(['redis-ioredis', 'redis-node-redis'])('examples/%s.ts, Redis stopped and started again: the process stays up, no stack, 200 once it is back', async (name) => {
  const redis = await startOwnRedis();
  const example = await startExampleProcess(name, { REDIS_URL: redis.url, MAIAGENT_WEBHOOK_TOKEN: TOKEN });
  try {
    expect(await deliverUntil200(example)).toEqual([200]);
    const from = example.output().length;
    await redis.stop();
    const printed = await printedWhileAway(example, from, 3);
    await redis.start();
    expectStayedUpQuietly(example, printed);
    expect((await deliverUntil200(example)).at(-1)).toBe(200);
  } finally {
    await example.stop();
    await redis.dispose();
  }
}, 60_000);

it.each([['redis-ioredis'], ['redis-node-redis']])('examples/%s.ts started while Redis is down (a deploy during an outage): the process stays up, answers 503, then 200 once Redis is up, the callback run once', async (name) => {
  const redis = await startOwnRedis();
  await redis.stop();
  const example = await startExampleProcess(name, { REDIS_URL: redis.url, MAIAGENT_WEBHOOK_TOKEN: TOKEN });
  try {
    const body = buildMaiAgentDelivery();
    const whileDown = await sendDelivery(`${example.url}/maiagent/webhook`, { token: TOKEN, body });
    await redis.start();
    const statuses = await deliverUntil200(example, body);
    await sendDelivery(`${example.url}/maiagent/webhook`, { token: TOKEN, body });
    const ran = example.output().split('\n').filter((line) => line.includes(String(body.content))).length;
    expect({ whileDown: whileDown.status, running: example.running(), last: statuses.at(-1), ran }).toEqual({ whileDown: 503, running: true, last: 200, ran: 1 });
  } finally {
    await example.stop();
    await redis.dispose();
  }
}, 90_000);

it('examples/reply-hub-ioredis.ts, connectReplyHub() while Redis is away: the process stays up, each connection error one line, no stack', async () => {
  const redis = await startOwnRedis();
  await redis.stop();
  // A process that opens the hub's two connections and stays up (its port serves nothing: it only says it started).
  const main = [
    "require('./example.cjs').connectReplyHub();",
    "const server = require('node:http').createServer((req, res) => res.end()).listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));",
  ].join('\n');
  const example = await startExampleProcess('reply-hub-ioredis', { REDIS_URL: redis.url }, main);
  try {
    const printed = await printedWhileAway(example, 0, 3);
    expectStayedUpQuietly(example, printed);
    expect(printed.filter((line) => line.includes('Unhandled error event'))).toEqual([]);
  } finally {
    await example.stop();
    await redis.dispose();
  }
}, 60_000);

it('examples/redis-cluster.ts, every node of the cluster stopped: the process stays up, no stack', async () => {
  const cluster = await startRedisCluster();
  const stopCluster = once(() => cluster.stop());
  const example = await startExampleProcess('redis-cluster', { REDIS_URL: cluster.rootNodes[0]?.url ?? '', MAIAGENT_WEBHOOK_TOKEN: TOKEN });
  try {
    expect((await deliverUntil200(example)).at(-1)).toBe(200);
    const from = example.output().length;
    await stopCluster();
    const printed = await printedWhileAway(example, from, 3);
    expectStayedUpQuietly(example, printed);
  } finally {
    await example.stop();
    await stopCluster();
  }
}, 90_000);
