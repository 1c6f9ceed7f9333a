// Queue mode when the Queue was made while Redis was unreachable (a deploy during an outage, a wrong host): BullMQ's
// addBulk then waits for a connection that never comes. Nothing may be held forever: each answer is 503 within
// timeoutMs (at once once the sink is known down), the bodies are let go, close() resolves, and the breaker lets
// deliveries through again once Redis is there. Counts and bytes, never timings.
import type { ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Queue } from 'bullmq';
import { maiagentWebhook, type DeliveryOutcome } from 'maiagent-webhook/node';
import { toQueue, type ReplyJobData } from 'maiagent-webhook/bullmq';
import { buildMaiAgentDelivery, deliverWithRetries } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { freePort, startRedisServer } from '../support/redis';
import { listenOnLoopback } from '../support/server';

const TOKEN = 'unreachable-token';
const TIMEOUT_MS = 500;
const LATE_MARGIN_MS = 1000;
const BODY_BYTES = 200_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The heap in use once garbage is collected: what is still held. */
async function heldBytes(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed;
}

let queues = 0;

/**
 * A Queue on a port where nothing listens, as the README sets one up; what the sink hands BullMQ is counted: the
 * jobs given to addBulk, and the waits for a first connection.
 */
async function queueOnADeadPort() {
  const port = await freePort();
  const queue = new Queue<ReplyJobData>(`unreachable-${++queues}`, { connection: { host: '127.0.0.1', port, enableOfflineQueue: false } });
  queue.on('error', () => {});
  const reached = { calls: 0, jobs: 0, waitsForConnection: 0 };
  const counted = {
    addBulk: (jobs: Parameters<Queue<ReplyJobData>['addBulk']>[0]) => {
      reached.calls += 1;
      reached.jobs += jobs.length;
      return queue.addBulk(jobs);
    },
    waitUntilReady: () => {
      reached.waitsForConnection += 1;
      return queue.waitUntilReady();
    },
  };
  return { port, queue, counted, reached };
}

function receiverFor(sink: Parameters<typeof toQueue>[0]) {
  const codes = new Map<string, number>();
  const errors = new Map<string, number>();
  let late = 0;
  const webhook = maiagentWebhook({
    authToken: TOKEN,
    deliverTo: toQueue(sink),
    timeoutMs: TIMEOUT_MS,
    log: false,
    onOutcome: (o: DeliveryOutcome) => {
      codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
      if (o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS) late += 1;
    },
    onRejected: ({ error }) => {
      const name = (error as Error | undefined)?.name ?? 'none';
      errors.set(name, (errors.get(name) ?? 0) + 1);
    },
  });
  return { webhook, codes, errors, late: () => late };
}

/** A receiver over a Queue on a dead port, on loopback; the test runs between, and all is closed after. */
async function withDeadPortReceiver(test: (setup: Awaited<ReturnType<typeof queueOnADeadPort>> & ReturnType<typeof receiverFor> & { url: string }) => Promise<void>): Promise<void> {
  const dead = await queueOnADeadPort();
  const receiver = receiverFor(dead.counted);
  const server = await listenOnLoopback(receiver.webhook);
  try {
    await test({ ...dead, ...receiver, url: `${server.url}/maiagent/webhook?token=${TOKEN}` });
  } finally {
    await receiver.webhook.close();
    await server.close();
    await dead.queue.close();
  }
}

async function post(url: string, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(20_000) });
  await response.arrayBuffer();
  return response.status;
}

/** A fresh body of about BODY_BYTES each time, made when sent: the test itself keeps none. */
const bigBody = (i: number) => JSON.stringify(buildMaiAgentDelivery({ content: `${i} ${'x'.repeat(BODY_BYTES)}` }));

/** `count` deliveries, `concurrency` at a time, each tried `tries` times as a platform retries a 503. */
async function sendAll(url: string, count: number, concurrency: number, tries: number): Promise<Record<number, number>> {
  let next = 0;
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const report = await deliverWithRetries(() => post(url, bigBody(i)), { maxAttempts: tries, backoffMs: () => 10 });
        for (const status of report.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return Object.fromEntries(statuses);
}

describe('queue mode, the Queue made while Redis is unreachable', () => {
  it('150 deliveries of 200 KB, each tried twice: all 503 queue_unavailable, none later than timeoutMs, most refused at once without reaching the queue, memory held bounded', () =>
    withDeadPortReceiver(async ({ url, reached, ...receiver }) => {
      const before = await heldBytes();
      const firstHalf = await sendAll(url, 75, 8, 2);
      const heldAfterHalf = (await heldBytes()) - before;
      const secondHalf = await sendAll(url, 75, 8, 2);
      const held = (await heldBytes()) - before;
      const figures = {
        statuses: { first: firstHalf, second: secondHalf },
        codes: Object.fromEntries(receiver.codes),
        errors: Object.fromEntries(receiver.errors),
        answeredLate: receiver.late(),
        reachedQueue: reached,
        heldMB: { afterHalf: +(heldAfterHalf / 1e6).toFixed(1), afterAll: +(held / 1e6).toFixed(1) },
      };
      printFigures('queue mode, Redis never up', figures);
      expect({ first: firstHalf, second: secondHalf }).toEqual({ first: { 503: 150 }, second: { 503: 150 } });
      expect(Object.fromEntries(receiver.codes)).toEqual({ queue_unavailable: 300 });
      expect(receiver.late()).toBe(0);
      // No body is handed to a Queue that never connected (BullMQ would keep it until it does), and once the sink
      // is known down a delivery is refused without reaching the queue at all (so without waiting).
      expect(reached.jobs).toBe(0);
      expect(reached.waitsForConnection).toBeLessThanOrEqual(16);
      // 300 bodies of 200 KB (60 MB as sent) went through; what stays held is what reached the queue before the
      // breaker knew (BullMQ keeps it until it connects), and it does not grow with the count: the second 150 (30 MB
      // as sent) add less than 5 bodies' worth, the heap's own noise included.
      expect(held).toBeLessThan(60 * BODY_BYTES);
      expect(held - heldAfterHalf).toBeLessThan(5 * BODY_BYTES);
    }), 120_000);

  it('close() during the outage resolves once the deliveries in flight are answered, and the queue closes', () =>
    withDeadPortReceiver(async ({ url, reached, queue, ...receiver }) => {
      const inFlight = Array.from({ length: 4 }, (_, i) => post(url, bigBody(i)));
      for (let i = 0; i < 200 && reached.waitsForConnection < 4; i += 1) await sleep(10);
      expect(reached.waitsForConnection).toBe(4);
      const closed = receiver.webhook.close().then(() => 'closed');
      // A bound as the test's own wait, not a timing assertion: before the fix this stayed pending for good.
      expect(await Promise.race([closed, sleep(20 * TIMEOUT_MS).then(() => 'still pending')])).toBe('closed');
      expect(await Promise.all(inFlight)).toEqual([503, 503, 503, 503]);
      expect(await post(url, bigBody(9))).toBe(503);
      expect(receiver.codes.get('shutting_down')).toBe(1);
      expect(await Promise.race([queue.close().then(() => 'closed'), sleep(20 * TIMEOUT_MS).then(() => 'still pending')])).toBe('closed');
    }), 60_000);

  it('the breaker probes again: once Redis is up on that port, deliveries are enqueued again', () =>
    withDeadPortReceiver(async ({ url, reached, queue, port, ...receiver }) => {
      let redis: ChildProcess | undefined;
      try {
        expect(await sendAll(url, 20, 4, 1)).toEqual({ 503: 20 });
        const reachedWhileDown = reached.jobs;
        redis = await startRedisServer(port);
        let undelivered = 0;
        for (let i = 0; i < 20; i += 1) {
          const delivery = buildMaiAgentDelivery({ content: `after ${i}` });
          const report = await deliverWithRetries(() => post(url, JSON.stringify(delivery)), { maxAttempts: 100, backoffMs: () => 100 });
          if (!report.delivered) undelivered += 1;
        }
        const counts = await queue.getJobCounts('waiting');
        printFigures('queue mode, Redis up later', { reachedWhileDown, undelivered, waiting: counts.waiting, codes: Object.fromEntries(receiver.codes) });
        expect(undelivered).toBe(0);
        // The 20 after, and any of the first 20 that reached the queue while it waited for Redis.
        expect(counts.waiting).toBe(20 + reachedWhileDown);
      } finally {
        await queue.close();
        redis?.kill('SIGKILL');
      }
    }), 120_000);
});
