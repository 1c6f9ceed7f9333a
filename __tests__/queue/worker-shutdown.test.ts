// Real BullMQ workers on a real redis-server, closed mid-job while their processors wait on fetch (handed the
// job's signal, as the README asks): a deploy lets the running jobs finish; aborting them is opt-in; an abort says
// why; a stored body that can never be valid fails once. Counts and states, never timings.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { abortOnLostLocks, replyJobId, replyProcessor, type ReplyJobData } from 'maiagent-webhook/bullmq';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { ownRedisForTheFile } from '../support/redis-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ownRedis = ownRedisForTheFile();

let queues = 0;
const connection = () => ({ host: '127.0.0.1', port: ownRedis().port, maxRetriesPerRequest: null });

function newQueue(attempts: number) {
  const queue = new Queue<ReplyJobData>(`shutdown-${++queues}`, { connection: connection(), defaultJobOptions: { attempts, backoff: { type: 'fixed', delay: 5 } } });
  queue.on('error', () => {});
  return queue;
}

/** A downstream that holds every request until the test lets them all go. */
async function heldDownstream() {
  const waiting: ServerResponse[] = [];
  let released = false;
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    if (released) response.end('ok');
    else waiting.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    held: () => waiting.length,
    release: () => {
      released = true;
      for (const response of waiting.splice(0)) if (!response.destroyed) response.end('ok');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function addReplies(queue: Queue<ReplyJobData>, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const delivery = buildMaiAgentDelivery({ content: `job ${i}` });
    const jobId = replyJobId('maiagent', delivery.id);
    ids.push(jobId);
    await queue.add('maiagent', { platform: 'maiagent', messageId: delivery.id, conversationId: delivery.conversation as string, rawBody: JSON.stringify(delivery), receivedAt: Date.now() }, { jobId, removeOnFail: false });
  }
  return ids;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`never happened: ${what}`);
}

/** A processor that forwards each reply with fetch, handing it the job's signal, and notes why it was aborted. */
function forwarding(downstream: { url: string }, reasons: unknown[]) {
  return replyProcessor('maiagent', async (_message, { signal }) => {
    signal.addEventListener('abort', () => reasons.push(signal.reason), { once: true });
    const response = await fetch(downstream.url, { signal });
    await response.text();
  });
}

/**
 * A queue, a held downstream and a worker whose processor forwards each reply to it with the job's signal, with
 * abortOnLostLocks as given; the test runs between, and everything is closed after, whatever happened.
 */
async function withForwardingWorker(
  workerOptions: { concurrency?: number; lockDuration?: number },
  abortOptions: Parameters<typeof abortOnLostLocks>[1],
  test: (setup: { queue: Queue<ReplyJobData>; downstream: Awaited<ReturnType<typeof heldDownstream>>; worker: Worker; reasons: unknown[] }) => Promise<void>,
): Promise<void> {
  const queue = newQueue(1);
  const downstream = await heldDownstream();
  const reasons: unknown[] = [];
  const worker = new Worker(queue.name, forwarding(downstream, reasons), { connection: connection(), ...workerOptions });
  worker.on('error', () => {});
  abortOnLostLocks(worker, abortOptions);
  try {
    await test({ queue, downstream, worker, reasons });
  } finally {
    await worker.close();
    await downstream.close();
    await queue.close();
  }
}

describe('BullMQ workers closed mid-job', () => {
  it('worker.close() with abortOnLostLocks(worker) as the README shows: the running jobs finish, none aborted, none failed', () =>
    withForwardingWorker({ concurrency: 3 }, undefined, async ({ queue, downstream, worker, reasons }) => {
      const ids = await addReplies(queue, 3);
      await until(() => downstream.held() === 3, 'three jobs waiting on fetch');
      const closed = worker.close();
      await sleep(100);
      downstream.release();
      await closed;
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      printFigures('BullMQ close mid-job, default', { states, aborted: reasons.length });
      expect(states).toEqual(['completed', 'completed', 'completed']);
      expect(reasons).toEqual([]);
    }), 60_000);

  it('abortOnLostLocks(worker, { onClose: true }): close() aborts the running fetch with an Error, and the failed reason says why', () =>
    withForwardingWorker({ concurrency: 2 }, { onClose: true }, async ({ queue, downstream, worker, reasons }) => {
      const ids = await addReplies(queue, 2);
      await until(() => downstream.held() === 2, 'two jobs waiting on fetch');
      await worker.close();
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      printFigures('BullMQ close mid-job, onClose', { states, reasons: jobs.map((j) => j?.failedReason) });
      expect(states).toEqual(['failed', 'failed']);
      expect(reasons.map((r) => [r instanceof Error, (r as Error).name])).toEqual([
        [true, 'JobAbortedError'],
        [true, 'JobAbortedError'],
      ]);
      expect(jobs.map((j) => j?.failedReason)).toEqual(['the worker is closing', 'the worker is closing']);
    }), 60_000);

  it('a lost lock aborts the job\'s signal with a JobAbortedError that says so', () =>
    withForwardingWorker({ lockDuration: 1000 }, undefined, async ({ queue, downstream, reasons }) => {
      const [id] = await addReplies(queue, 1);
      await until(() => downstream.held() === 1, 'the job waiting on fetch');
      // Another worker's takeover, as Redis sees it: the lock is gone, so the next renewal fails.
      const client = new Redis(ownRedis().port, '127.0.0.1');
      try {
        expect(await client.del(`bull:${queue.name}:${id as string}:lock`)).toBe(1);
      } finally {
        client.disconnect();
      }
      await until(() => reasons.length === 1, 'the signal aborted');
      expect(reasons[0]).toBeInstanceOf(Error);
      expect((reasons[0] as Error).name).toBe('JobAbortedError');
      expect((reasons[0] as Error).message).toMatch(/lock was lost/);
    }), 60_000);
});

describe('a stored body that no longer validates', () => {
  /** Adds one job holding `data` to a queue of 5 attempts, lets the README's processor fail it: its figures. */
  async function failedOnce(data: unknown) {
    const queue = newQueue(5);
    const counts = { attempts: 0, called: 0 };
    const processor = replyProcessor('maiagent', () => void (counts.called += 1));
    const worker = new Worker(queue.name, (job, token, signal) => {
      counts.attempts += 1;
      return processor(job, token, signal);
    }, { connection: connection() });
    worker.on('error', () => {});
    try {
      const jobId = 'maiagent-broken';
      await queue.add('maiagent', data as ReplyJobData, { jobId, removeOnFail: false });
      await until(async () => (await queue.getJobState(jobId)) === 'failed', 'the job failed');
      const job = await queue.getJob(jobId);
      return { ...counts, attemptsMade: job?.attemptsMade, failedReason: job?.failedReason };
    } finally {
      await worker.close();
      await queue.close();
    }
  }

  // Another writer's job under the same queue name: its data need not be an object at all.
  it.each([
    ['null', null],
    ['a string', 'maiagent reply'],
    ['an array', [{ rawBody: '{}' }]],
  ])('job data that is %s: fails once with UnrecoverableError that says so, though attempts remain', async (_label, data) => {
    const { attempts, called, attemptsMade, failedReason } = await failedOnce(data);
    expect({ attempts, called, attemptsMade }).toEqual({ attempts: 1, called: 0, attemptsMade: 1 });
    expect(failedReason).toBe('job maiagent-broken holds no rawBody: not a maiagent reply job');
  }, 60_000);

  it('a body that is JSON but not an object: the failed reason names the body, not an empty path', async () => {
    const { attemptsMade, failedReason } = await failedOnce({ platform: 'maiagent', messageId: 'broken', conversationId: 'conv', rawBody: '[]', receivedAt: Date.now() });
    expect(attemptsMade).toBe(1);
    expect(failedReason).toBe('job maiagent-broken does not hold a valid maiagent delivery: (the body) must be object');
  }, 60_000);

  it.each([
    ['not a delivery', JSON.stringify({ id: 5 })],
    ['not JSON', '{"id": '],
  ])('%s: fails once with UnrecoverableError, though attempts remain, and the callback never runs', async (_label, rawBody) => {
    const figures = await failedOnce({ platform: 'maiagent', messageId: 'broken', conversationId: 'conv', rawBody, receivedAt: Date.now() });
    printFigures('BullMQ invalid stored body', figures);
    const { attempts, called, attemptsMade, failedReason } = figures;
    expect({ attempts, called, attemptsMade }).toEqual({ attempts: 1, called: 0, attemptsMade: 1 });
    expect(failedReason).toMatch(/does not hold a valid maiagent delivery/);
  }, 60_000);
});
