import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import type { DeliveryContext } from '../core/options';
import type { DeliverySink, EnqueueContext, QueuedDelivery } from '../core/sink';
import { loadPreset, validatePayload } from '../runtime';
import type { GptBotsMessage } from '../presets/gptbots';
import type { MaiAgentMessage } from '../presets/maiagent';
import type { Reply } from '../core/preset';

/** What a job holds: the body as received, and enough to list it without parsing the body. */
export interface ReplyJobData {
  platform: Reply['platform'];
  messageId: string;
  conversationId: string;
  rawBody: string;
  receivedAt: number;
}

export interface ToQueueOptions {
  /** The job name. Default: the platform (`'maiagent'` or `'gptbots'`). */
  name?: string | undefined;
  /**
   * How long a completed job is kept, in milliseconds: the window in which a platform retry of a processed reply adds
   * no second job (BullMQ dedupes by job id only while the job exists). Default 24 hours, like the stores' `ttlMs`.
   */
  keepCompletedMs?: number | undefined;
  /**
   * Answer `200` only once this many replicas hold the job: after each batch, `WAIT replicas replicaTimeoutMs` on
   * the queue's connection, and `503 queue_unavailable` when fewer acknowledged in time (the platform retries; the
   * job id dedupes). Guards against a master that fails over before replicating. Default: no wait. Refused (a
   * `TypeError`) on a Redis Cluster connection, where `WAIT` reaches some node, not the queue's master.
   */
  replicas?: number | undefined;
  /** How long `WAIT` may take, in milliseconds; keep it below `timeoutMs`. Default 1000. */
  replicaTimeoutMs?: number | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `toQueue` uses of your `Queue`: `addBulk`, and `waitUntilReady` when it has one (a BullMQ Queue does). */
export type QueueForReplies = Pick<Queue, 'addBulk'> & Partial<Pick<Queue, 'waitUntilReady'>>;

/**
 * The sink over your BullMQ `Queue` (only `queue.addBulk` and `queue.waitUntilReady` are used; bullmq itself is
 * never loaded here). One job per message id: a platform retry of a reply already queued or kept adds nothing.
 * Completed jobs are kept `keepCompletedMs`; failed ones are never removed (`removeOnFail: false`): they are the
 * dead letters. Attempts and backoff are your queue's `defaultJobOptions`.
 */
export function toQueue(queue: QueueForReplies, options: ToQueueOptions = {}): DeliverySink {
  const keepSeconds = Math.ceil((options.keepCompletedMs ?? DAY_MS) / 1000);
  if (!(keepSeconds > 0)) throw new TypeError('toQueue: keepCompletedMs must be a positive number of milliseconds');
  const jobOptions: JobsOptions = { removeOnComplete: { age: keepSeconds }, removeOnFail: false };
  const add = inBatches(options.replicas === undefined ? queue : replicated(queue, options.replicas, options.replicaTimeoutMs ?? 1000));
  const connection = connectedOnce(queue);
  const job = (delivery: QueuedDelivery): NewJob => ({ name: options.name ?? delivery.platform, data: jobData(delivery), opts: { ...jobOptions, jobId: replyJobId(delivery.platform, delivery.messageId) } });
  return {
    enqueue: (delivery: QueuedDelivery, context?: EnqueueContext) => {
      const waiting = connection(context);
      return waiting ? waiting.then(() => add(job(delivery))) : add(job(delivery));
    },
  };
}

/**
 * Until the Queue has connected once: a promise that settles when it has, or when the delivery's signal aborts.
 * A Queue made while Redis was unreachable keeps every `addBulk` (bodies and all) until its first connection,
 * however long that is and whatever `enableOfflineQueue` says: so nothing is handed to it before then. From its
 * first connection on, nothing (`undefined`): a connection lost later fails `addBulk` at once (with
 * `enableOfflineQueue: false`), so there is nothing to wait for, and the signal is not even read.
 */
function connectedOnce(queue: QueueForReplies): (context: EnqueueContext | undefined) => Promise<void> | undefined {
  if (!queue.waitUntilReady) return () => undefined;
  let connected = false;
  return (context) => {
    if (connected) return undefined;
    const ready = (queue.waitUntilReady?.() ?? Promise.resolve()).then(() => {
      connected = true;
    });
    return context ? abandonedOnAbort(ready, context.signal) : ready;
  };
}

/** `ready`, or a rejection with the signal's reason once it aborts, whichever comes first. */
function abandonedOnAbort(ready: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const abandon = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abandon, { once: true });
    ready.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
  });
}

type NewJob = { name: string; data: ReplyJobData; opts: JobsOptions };

/**
 * Adds the jobs of one turn of the event loop with one `addBulk`: one round trip to Redis and one socket write for
 * all the deliveries that arrived together, instead of one each. Each delivery still hears of its own batch's fate.
 */
function inBatches(queue: QueueForReplies): (job: NewJob) => Promise<void> {
  let batch: { job: NewJob; added: () => void; failed: (error: unknown) => void }[] | undefined;
  const flush = (): void => {
    const jobs = batch ?? [];
    batch = undefined;
    queue.addBulk(jobs.map(({ job }) => job)).then(
      () => jobs.forEach(({ added }) => added()),
      (error: unknown) => jobs.forEach(({ failed }) => failed(error)),
    );
  };
  return (job) =>
    new Promise((added, failed) => {
      if (!batch) {
        batch = [];
        setImmediate(flush);
      }
      batch.push({ job, added, failed });
    });
}

/** The raw client behind a BullMQ queue: ioredis (`call`) or node-redis (`raw.sendCommand`). */
interface RawClient {
  call?: (command: string, ...args: string[]) => Promise<unknown>;
  raw?: { sendCommand?: (args: string[]) => Promise<unknown> };
}

/**
 * A queue whose `addBulk` resolves only once `replicas` replicas acknowledged the batch: `WAIT` on the connection
 * that wrote it covers every write that connection made before it.
 */
function replicated(queue: Pick<Queue, 'addBulk'>, replicas: number, timeoutMs: number): Pick<Queue, 'addBulk'> {
  if (!Number.isSafeInteger(replicas) || replicas < 1) throw new TypeError('toQueue: replicas must be a whole number, 1 or more');
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('toQueue: replicaTimeoutMs must be a positive whole number of milliseconds');
  const backend = (queue as { getBackend?: () => { client?: Promise<unknown> } }).getBackend?.();
  if (!backend?.client) throw new TypeError('toQueue: replicas needs a BullMQ Queue over Redis');
  if (isCluster((queue as { opts?: { connection?: unknown } }).opts?.connection)) throw onCluster();
  const client = backend.client;
  const wait = async (): Promise<number> => {
    const raw = (await client) as RawClient;
    if (isCluster(raw)) throw onCluster();
    const args = ['WAIT', String(replicas), String(timeoutMs)];
    if (raw.call) return Number(await raw.call('WAIT', ...args.slice(1)));
    if (raw.raw?.sendCommand) return Number(await raw.raw.sendCommand(args));
    throw new Error('toQueue: replicas needs an ioredis or node-redis connection');
  };
  return {
    addBulk: (async (jobs) => {
      const added = await queue.addBulk(jobs);
      const acknowledged = await wait();
      if (acknowledged < replicas) throw new Error(`toQueue: ${acknowledged} of ${replicas} replicas acknowledged the jobs within ${timeoutMs} ms`);
      return added;
    }) as Queue['addBulk'],
  };
}

// A cluster client sends a keyless WAIT to any node, whose answer says nothing of the master that holds the queue.
const isCluster = (client: unknown): boolean => (client as { isCluster?: unknown } | undefined)?.isCluster === true;
const onCluster = () => new TypeError('toQueue: replicas cannot be checked on Redis Cluster (WAIT reaches one node, not the queue\'s master): use min-replicas-to-write');

/** BullMQ refuses `:` in a job id and an id of digits only: the platform first, then the id with `:` escaped. */
export function replyJobId(platform: Reply['platform'], messageId: string): string {
  // Most ids hold neither: then nothing is searched and replaced (two patterns a job, 1% of queue mode's samples).
  const escaped = messageId.includes('%') || messageId.includes(':') ? messageId.replace(/%/g, '%25').replace(/:/g, '%3A') : messageId;
  return `${platform}-${escaped}`;
}

function jobData({ platform, messageId, conversationId, rawBody, receivedAt }: QueuedDelivery): ReplyJobData {
  return { platform, messageId, conversationId, rawBody, receivedAt };
}

export type ReplyProcessor = (job: Job<ReplyJobData>, token?: string, signal?: AbortSignal) => Promise<void>;

/**
 * The processor for your own `Worker`: it rebuilds the same typed message and the same `context` (`reply`,
 * `rawBody`, `signal`) the inline `onMessage` gets, so moving from inline to queued changes two lines. The signal is
 * BullMQ's: it aborts when the job is cancelled; `abortOnLostLocks(worker)` makes it abort when the job's lock is
 * lost. Throw to fail the attempt: BullMQ retries it as your options say. A job whose stored body is no longer a
 * valid delivery fails once, with BullMQ's `UnrecoverableError`: no retry can make it valid.
 */
export function replyProcessor(platform: 'maiagent', onMessage: (message: MaiAgentMessage, context: DeliveryContext) => unknown): ReplyProcessor;
export function replyProcessor(platform: 'gptbots', onMessage: (message: GptBotsMessage, context: DeliveryContext) => unknown): ReplyProcessor;
export function replyProcessor(platform: Reply['platform'], onMessage: (message: never, context: DeliveryContext) => unknown): ReplyProcessor {
  const preset = platform === 'maiagent' ? loadPreset('maiagent') : loadPreset('gptbots');
  // Three declared parameters: BullMQ hands the signal only to a processor that takes it.
  return async (job: Job<ReplyJobData>, _token?: string, signal?: AbortSignal): Promise<void> => {
    // Read before anything else of job.data: another writer's job may hold no object at all (null).
    const payload = storedPayload(job, platform);
    const { rawBody, receivedAt } = job.data;
    const validation = validatePayload(preset.validator, payload);
    if (!validation.ok) throw unrecoverable(`job ${job.id ?? '?'} does not hold a valid ${platform} delivery: ${validation.problems.map((p) => `${p.path || '(the body)'} ${p.message}`).join('; ')}`);
    // A timestamp the body lacks is the time the webhook received it, not the time a worker took the job.
    const message = preset.toMessage(payload, receivedAt);
    const context: DeliveryContext = { rawBody, reply: preset.toReply(message as never), signal: signal ?? new AbortController().signal };
    await (onMessage as (message: unknown, context: DeliveryContext) => unknown)(message, context);
  };
}

function storedPayload(job: Job<ReplyJobData>, platform: Reply['platform']): unknown {
  const rawBody: unknown = job.data?.rawBody;
  if (typeof rawBody !== 'string') throw unrecoverable(`job ${job.id ?? '?'} holds no rawBody: not a ${platform} reply job`);
  try {
    return JSON.parse(rawBody);
  } catch {
    throw unrecoverable(`job ${job.id ?? '?'} does not hold a valid ${platform} delivery: its body is not JSON`);
  }
}

/** BullMQ fails a job at once, whatever attempts remain, on an error of this name; bullmq itself is not loaded here. */
function unrecoverable(message: string): Error {
  const error = new Error(message);
  error.name = 'UnrecoverableError';
  return error;
}

/** Why a job's signal aborted: `signal.reason` (and what `fetch` rejects with), so a failed attempt says why. */
export class JobAbortedError extends Error {
  constructor(readonly why: 'lock_lost' | 'worker_closing') {
    super(why === 'lock_lost' ? 'the job\'s lock was lost: it may run again on another worker' : 'the worker is closing');
    this.name = 'JobAbortedError';
  }
}

export interface AbortOnLostLocksOptions {
  /**
   * Also abort every running job when the worker starts closing. Default false: `worker.close()` waits for the
   * running jobs to finish, as BullMQ does. The cost of true: each running job's attempt fails and uses one of its
   * `attempts` (at the last one it becomes a dead letter), every deploy.
   */
  onClose?: boolean;
}

/**
 * Makes each job's signal abort, with a `JobAbortedError`, when its lock is lost: another worker may then run it,
 * so this one should stop. With `{ onClose: true }`, also when the worker starts closing.
 */
export function abortOnLostLocks(worker: Pick<Worker, 'on' | 'cancelJob' | 'cancelAllJobs'>, options: AbortOnLostLocksOptions = {}): void {
  // BullMQ types the reason as a string but aborts with whatever it is given: a string would fail the attempt with
  // no message at all (the failed reason reads "null"), an Error says why.
  const reason = (why: JobAbortedError['why']) => new JobAbortedError(why) as unknown as string;
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) worker.cancelJob(id, reason('lock_lost'));
  });
  if (options.onClose === true) worker.on('closing', () => worker.cancelAllJobs(reason('worker_closing')));
}
