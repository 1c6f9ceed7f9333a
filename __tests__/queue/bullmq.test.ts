// Queue mode against a real redis-server and real BullMQ: the webhook answers 200 once the reply is a job, workers
// process it with BullMQ's retries, dead letters stay in the failed set. Counts, never timings.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { types } from 'node:util';
import { Queue, Worker, type Job } from 'bullmq';
import { maiagentWebhook, type DeliveryOutcome } from 'maiagent-webhook/node';
import { replyJobId, replyProcessor, toQueue, type ReplyJobData } from 'maiagent-webhook/bullmq';
import { buildMaiAgentDelivery, deliverWithRetries } from 'maiagent-webhook/testing';
import { run } from '../../src/cli';
import { testBuildDir } from '../support/build';
import { printFigures } from '../support/figures';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { listenOnLoopback } from '../support/server';

const TOKEN = 'queue-token';
const TIMEOUT_MS = 500;
const LATE_MARGIN_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: OwnRedis;
let work: string;
beforeAll(async () => {
  redis = await startOwnRedis();
  work = mkdtempSync(join(tmpdir(), 'maiagent-webhook-queue-'));
});
afterAll(async () => {
  await redis.dispose();
  rmSync(work, { recursive: true, force: true });
});

let queues = 0;
const connection = () => ({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null });

/** A queue of this test's own, as the README sets one up: fail fast when Redis is away, so the platform hears 503. */
function newQueue(attempts: number) {
  return new Queue<ReplyJobData>(`replies-${++queues}`, {
    connection: { host: '127.0.0.1', port: redis.port, enableOfflineQueue: false },
    defaultJobOptions: { attempts, backoff: { type: 'fixed', delay: 5 } },
  });
}

async function receiverFor(queue: Queue<ReplyJobData>) {
  const outcomes: DeliveryOutcome[] = [];
  const webhook = maiagentWebhook({ authToken: TOKEN, deliverTo: toQueue(queue), timeoutMs: TIMEOUT_MS, onOutcome: (o) => void outcomes.push(o), log: false });
  const server = await listenOnLoopback(webhook);
  return { url: `${server.url}/maiagent/webhook?token=${TOKEN}`, server, outcomes };
}

async function post(url: string, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(20_000) });
  await response.arrayBuffer();
  return response.status;
}

/** Like the platform, each delivery sent twice, every copy retried until 200. */
async function sendTwiceEach(url: string, bodies: string[], concurrency = 32, onProgress: (done: number) => void = () => {}) {
  const jobs = bodies.flatMap((body) => [body, body]);
  let next = 0;
  let done = 0;
  const undelivered: string[] = [];
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const body = jobs[next++] as string;
        const report = await deliverWithRetries(() => post(url, body), { maxAttempts: 60, backoffMs: (n) => Math.min(2 ** n * 10, 300) });
        for (const status of report.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (!report.delivered) undelivered.push(body);
        onProgress(++done);
      }
    }),
  );
  return { undelivered: undelivered.length, statuses: Object.fromEntries(statuses) };
}

async function untilSettled(queue: Queue<ReplyJobData>, expected: number): Promise<Record<string, number>> {
  for (let i = 0; i < 600; i += 1) {
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized');
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= expected && !counts.waiting && !counts.active && !counts.delayed) return counts;
    await sleep(100);
  }
  return queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
}

function deliveries(count: number, content = (i: number) => `reply ${i}`) {
  const all = Array.from({ length: count }, (_, i) => buildMaiAgentDelivery({ content: content(i) }));
  return { ids: all.map((d) => d.id), bodies: all.map((d) => JSON.stringify(d)) };
}

describe('queue mode with BullMQ on a real redis-server', () => {
  it('10,000 deliveries, each sent twice, workers failing 30% of attempts: each id processed to success exactly once, none lost', async () => {
    const queue = newQueue(25);
    const receiver = await receiverFor(queue);
    const random = (await import('../support/seeded-random.js')).default(7);
    const successes = new Map<string, number>();
    let attempts = 0;
    const processor = replyProcessor('maiagent', async (message, { reply, rawBody }) => {
      attempts += 1;
      if (reply.id !== message.id || !rawBody.includes(message.id)) throw new Error('the rebuilt message does not match its body');
      if (random() < 0.3) throw new Error('downstream flaked');
      successes.set(message.id, (successes.get(message.id) ?? 0) + 1);
    });
    const workers = [1, 2].map(() => new Worker(queue.name, processor, { connection: connection(), concurrency: 50 }));
    try {
      const { ids, bodies } = deliveries(10_000);
      const sent = await sendTwiceEach(receiver.url, bodies);
      const counts = await untilSettled(queue, ids.length);
      const figures = {
        undelivered: sent.undelivered,
        lost: ids.filter((id) => !successes.has(id)).length,
        processedTwice: [...successes.values()].filter((n) => n > 1).length,
        jobs: (counts.completed ?? 0) + (counts.failed ?? 0),
        deadLetters: counts.failed ?? 0,
      };
      printFigures('BullMQ 10,000 × 2', { ...figures, attempts, statuses: sent.statuses, enqueued: receiver.outcomes.filter((o) => o.code === 'enqueued').length });
      expect(figures).toEqual({ undelivered: 0, lost: 0, processedTwice: 0, jobs: 10_000, deadLetters: 0 });
      // The failures really happened, and every copy was answered 200 as enqueued (the job id absorbs the second).
      expect(attempts).toBeGreaterThan(12_000);
      expect(receiver.outcomes.filter((o) => o.code === 'enqueued')).toHaveLength(20_000);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await receiver.server.close();
      await queue.close();
    }
  }, 300_000);

  it('a worker killed with SIGKILL mid-job: its job completes on another worker', async () => {
    const queue = newQueue(3);
    const logFile = join(work, 'killed-worker.log');
    const child = fork(join(__dirname, '..', 'support', 'bullmq-worker.js'), [testBuildDir(), redis.url, queue.name, logFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    const receiver = await receiverFor(queue);
    const finishedElsewhere: string[] = [];
    let survivor: Worker | undefined;
    try {
      const delivery = buildMaiAgentDelivery({ content: 'hang' });
      expect(await post(receiver.url, JSON.stringify(delivery))).toBe(200);
      for (let i = 0; i < 200 && !readLog(logFile).includes(`start ${delivery.id}`); i += 1) await sleep(25);
      child.kill('SIGKILL');
      await exited;
      survivor = new Worker(queue.name, replyProcessor('maiagent', (message) => void finishedElsewhere.push(message.id)), {
        connection: connection(),
        lockDuration: 1000,
        stalledInterval: 500,
      });
      const counts = await untilSettled(queue, 1);
      printFigures('BullMQ SIGKILL', { startedInTheKilledWorker: readLog(logFile).split('\n').filter((l) => l.startsWith('start')).length, finishedElsewhere: finishedElsewhere.length, counts });
      expect(readLog(logFile)).toContain(`start ${delivery.id}`);
      expect(readLog(logFile)).not.toContain(`success ${delivery.id}`);
      expect(finishedElsewhere).toEqual([delivery.id]);
      expect(counts.completed).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await survivor?.close();
      await receiver.server.close();
      await queue.close();
    }
  }, 120_000);

  it('Redis stopped and restarted while deliveries arrive: 503 within timeoutMs while it is down, nothing lost after', async () => {
    const queue = newQueue(5);
    queue.on('error', () => {});
    const receiver = await receiverFor(queue);
    const successes = new Map<string, number>();
    const worker = new Worker(queue.name, replyProcessor('maiagent', (message) => void successes.set(message.id, (successes.get(message.id) ?? 0) + 1)), { connection: connection(), concurrency: 20 });
    worker.on('error', () => {});
    let outage: Promise<void> | undefined;
    try {
      const { ids, bodies } = deliveries(1000);
      const sent = await sendTwiceEach(receiver.url, bodies, 16, (done) => {
        if (done !== 500) return;
        outage = (async () => {
          await redis.stop();
          await sleep(1500);
          await redis.start();
        })();
      });
      await outage;
      await untilSettled(queue, ids.length);
      const figures = {
        undelivered: sent.undelivered,
        lost: ids.filter((id) => !successes.has(id)).length,
        processedTwice: [...successes.values()].filter((n) => n > 1).length,
        answeredLate: receiver.outcomes.filter((o) => o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS).length,
      };
      const unavailable = receiver.outcomes.filter((o) => o.code === 'queue_unavailable').length;
      printFigures('BullMQ Redis restart', { ...figures, queueUnavailable: unavailable, statuses: sent.statuses });
      expect(figures).toEqual({ undelivered: 0, lost: 0, processedTwice: 0, answeredLate: 0 });
      expect(unavailable).toBeGreaterThan(0);
    } finally {
      await outage;
      await worker.close();
      await receiver.server.close();
      await queue.close();
    }
  }, 180_000);

  it('dead letters: listed without their bodies, retried one and all, dropped, through the CLI', async () => {
    const queue = newQueue(2);
    const receiver = await receiverFor(queue);
    let healed = false;
    const completed: string[] = [];
    const worker = new Worker(queue.name, replyProcessor('maiagent', (message) => {
      if (!healed && message.content.startsWith('poison')) throw new Error('downstream refuses this one');
      completed.push(message.id);
    }), { connection: connection() });
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      // As queue.md runs them: Redis from REDIS_URL, the apps' own variable.
      const code = await run(['dead-letters', ...args, '--queue', queue.name], { log: (l) => out.push(l), error: (l) => err.push(l), env: { REDIS_URL: redis.url } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    try {
      const { ids, bodies } = deliveries(4, (i) => `poison ${i} secret-body-text`);
      for (const body of bodies) expect(await post(receiver.url, body)).toBe(200);
      const counts = await untilSettled(queue, 4);
      expect(counts.failed).toBe(4);

      const listed = await cli('list');
      expect(listed.code).toBe(0);
      for (const id of ids) expect(listed.out).toContain(`${replyJobId('maiagent', id)}  maiagent  conversation conv-0001  attempts 2  downstream refuses this one`);
      expect(listed.out).toContain('4 dead letters');
      expect(listed.out).not.toContain('secret-body-text');
      expect((await cli('list', '--show-body')).out).toContain('secret-body-text');

      healed = true;
      expect((await cli('retry', '--id', replyJobId('maiagent', ids[0] as string))).code).toBe(0);
      expect((await cli('drop', '--id', replyJobId('maiagent', ids[1] as string))).code).toBe(0);
      expect((await cli('retry', '--all')).out).toBe('retried 2');
      const settled = await untilSettled(queue, 3);
      expect({ completed: settled.completed, failed: settled.failed }).toEqual({ completed: 3, failed: 0 });
      expect(completed.sort()).toEqual([ids[0], ids[2], ids[3]].sort());
      expect((await cli('retry', '--id', 'no-such-job')).code).toBe(1);
    } finally {
      await worker.close();
      await receiver.server.close();
      await queue.close();
    }
  }, 120_000);
});

describe('the docs\' queue examples, run as shown', () => {
  let examples: { replies: Queue; worker: Worker; server: Awaited<ReturnType<typeof listenOnLoopback>> };
  beforeAll(async () => {
    Object.assign(process.env, { REDIS_URL: redis.url, MAIAGENT_WEBHOOK_TOKEN: TOKEN });
    const { app, replies } = await import('../../examples/queue-web');
    const { worker } = await import('../../examples/queue-worker');
    examples = { replies, worker, server: await listenOnLoopback(app) };
  });
  afterAll(async () => {
    await examples.worker.close();
    await examples.replies.obliterate({ force: true });
    await examples.replies.close();
    await examples.server.close();
    delete process.env.REDIS_URL;
    delete process.env.MAIAGENT_WEBHOOK_TOKEN;
  }, 30_000);

  /** Sends one delivery to the web side and, once it is enqueued, waits (bounded) until the worker has logged it. */
  async function throughTheExamples(content: string, log: jest.SpyInstance) {
    const delivery = buildMaiAgentDelivery({ content, conversation: 'conv-readme' });
    const status = await post(`${examples.server.url}/maiagent/webhook?token=${TOKEN}`, JSON.stringify(delivery));
    const logged = () => log.mock.calls.some(([line]) => String(line).includes(content));
    for (let i = 0; status === 200 && i < 200 && !logged(); i += 1) await sleep(25);
    return { status, logged: log.mock.calls.map(([line]) => line as unknown) };
  }

  it('the web side answers 200 enqueued, the worker logs the reply (Redis at REDIS_URL)', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { status, logged } = await throughTheExamples('queued hello', log);
      expect(status).toBe(200);
      expect(logged).toContain('[conv-readme] queued hello');
    } finally {
      log.mockRestore();
    }
  }, 60_000);

  it('Redis stopped: the queue and the worker each report in one line per error, never a stack, and work again once it is back', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {}); // the webhook's own line per 503
    try {
      await redis.stop();
      const reported = (prefix: string) => error.mock.calls.filter(([first]) => first === prefix).length;
      for (let i = 0; i < 400 && (reported('queue:') < 2 || reported('worker:') < 2); i += 1) await sleep(25);
      await redis.start();
      const printed = error.mock.calls.map((args) => args.map((arg) => (types.isNativeError(arg) ? arg.stack : String(arg))).join(' '));
      expect(printed.filter((line) => line.includes('\n'))).toEqual([]);
      expect({ queue: reported('queue:') >= 2, worker: reported('worker:') >= 2 }).toEqual({ queue: true, worker: true });
      let answer = await throughTheExamples('queued after the restart', log);
      for (let tries = 0; answer.status !== 200 && tries < 40; tries += 1) {
        await sleep(250); // the sink probes a Redis it saw down once a second: the platform's retry, here
        answer = await throughTheExamples('queued after the restart', log);
      }
      expect(answer.status).toBe(200);
      expect(answer.logged).toContain('[conv-readme] queued after the restart');
    } finally {
      log.mockRestore();
      error.mockRestore();
      warn.mockRestore();
    }
  }, 60_000);
});

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export type { Job };
