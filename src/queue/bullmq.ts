import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import type { DeliveryContext } from '../core/options';
import type { DeliverySink, QueuedDelivery } from '../core/sink';
import { loadPreset, validatePayload } from '../runtime';
import type { GptBotsMessage } from '../presets/gptbots';
import type { MaiAgentMessage } from '../presets/maiagent';
import type { Reply } from '../presets/preset';

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
  name?: string;
  /**
   * How long a completed job is kept, in milliseconds: the window in which a platform retry of a processed reply adds
   * no second job (BullMQ dedupes by job id only while the job exists). Default 24 hours, like the stores' `ttlMs`.
   */
  keepCompletedMs?: number;
  /**
   * Answer `200` only once this many replicas hold the job: after each batch, `WAIT replicas replicaTimeoutMs` on
   * the queue's connection, and `503 queue_unavailable` when fewer acknowledged in time (the platform retries; the
   * job id dedupes). Guards against a master that fails over before replicating. Default: no wait.
   */
  replicas?: number;
  /** How long `WAIT` may take, in milliseconds; keep it below `timeoutMs`. Default 1000. */
  replicaTimeoutMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The sink over your BullMQ `Queue` (only `queue.addBulk` is used; bullmq itself is never loaded here). One job per
 * message id: a platform retry of a reply already queued or kept adds nothing. Completed jobs are kept
 * `keepCompletedMs`; failed ones are never removed (`removeOnFail: false`): they are the dead letters. Attempts and
 * backoff are your queue's `defaultJobOptions`.
 */
export function toQueue(queue: Pick<Queue, 'addBulk'>, options: ToQueueOptions = {}): DeliverySink {
  const keepSeconds = Math.ceil((options.keepCompletedMs ?? DAY_MS) / 1000);
  if (!(keepSeconds > 0)) throw new TypeError('toQueue: keepCompletedMs must be a positive number of milliseconds');
  const jobOptions: JobsOptions = { removeOnComplete: { age: keepSeconds }, removeOnFail: false };
  const add = inBatches(options.replicas === undefined ? queue : replicated(queue, options.replicas, options.replicaTimeoutMs ?? 1000));
  return {
    enqueue: (delivery: QueuedDelivery) =>
      add({ name: options.name ?? delivery.platform, data: jobData(delivery), opts: { ...jobOptions, jobId: replyJobId(delivery.platform, delivery.messageId) } }),
  };
}

type NewJob = { name: string; data: ReplyJobData; opts: JobsOptions };

/**
 * Adds the jobs of one turn of the event loop with one `addBulk`: one round trip to Redis and one socket write for
 * all the deliveries that arrived together, instead of one each. Each delivery still hears of its own batch's fate.
 */
function inBatches(queue: Pick<Queue, 'addBulk'>): (job: NewJob) => Promise<void> {
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
  const client = backend.client;
  const wait = async (): Promise<number> => {
    const raw = (await client) as RawClient;
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

/** BullMQ refuses `:` in a job id and an id of digits only: the platform first, then the id with `:` escaped. */
export function replyJobId(platform: Reply['platform'], messageId: string): string {
  return `${platform}-${messageId.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

function jobData({ platform, messageId, conversationId, rawBody, receivedAt }: QueuedDelivery): ReplyJobData {
  return { platform, messageId, conversationId, rawBody, receivedAt };
}

export type ReplyProcessor = (job: Job<ReplyJobData>, token?: string, signal?: AbortSignal) => Promise<void>;

/**
 * The processor for your own `Worker`: it rebuilds the same typed message and the same `context` (`reply`,
 * `rawBody`, `signal`) the inline `onMessage` gets, so moving from inline to queued changes two lines. The signal is
 * BullMQ's: it aborts when the job is cancelled; `abortOnLostLocks(worker)` makes it abort when the job's lock is
 * lost or the worker closes. Throw to fail the attempt: BullMQ retries it as your options say.
 */
export function replyProcessor(platform: 'maiagent', onMessage: (message: MaiAgentMessage, context: DeliveryContext) => unknown): ReplyProcessor;
export function replyProcessor(platform: 'gptbots', onMessage: (message: GptBotsMessage, context: DeliveryContext) => unknown): ReplyProcessor;
export function replyProcessor(platform: Reply['platform'], onMessage: (message: never, context: DeliveryContext) => unknown): ReplyProcessor {
  const preset = platform === 'maiagent' ? loadPreset('maiagent') : loadPreset('gptbots');
  // Three declared parameters: BullMQ hands the signal only to a processor that takes it.
  return async (job: Job<ReplyJobData>, _token?: string, signal?: AbortSignal): Promise<void> => {
    const { rawBody } = job.data;
    const payload: unknown = JSON.parse(rawBody);
    const validation = validatePayload(preset.validator, payload);
    if (!validation.ok) throw new Error(`job ${job.id ?? '?'} does not hold a valid ${platform} delivery: ${validation.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
    const message = preset.toMessage(payload);
    const context: DeliveryContext = { rawBody, reply: preset.toReply(message as never), signal: signal ?? new AbortController().signal };
    await (onMessage as (message: unknown, context: DeliveryContext) => unknown)(message, context);
  };
}

/** Makes each job's signal abort when its lock is lost (it may run again elsewhere) or the worker closes. */
export function abortOnLostLocks(worker: Pick<Worker, 'on' | 'cancelJob' | 'cancelAllJobs'>): void {
  worker.on('lockRenewalFailed', (jobIds: string[]) => {
    for (const id of jobIds) worker.cancelJob(id, 'lock lost');
  });
  worker.on('closing', () => worker.cancelAllJobs('worker closing'));
}
