import { parseArgs } from 'node:util';
import { UsageError, type Io } from './usage';
import type { ReplyJobData } from '../queue/bullmq';

export const DEAD_LETTERS_USAGE = `Usage: maiagent-webhook dead-letters <list|retry|drop> --redis <url> --queue <name> [--id <job id> | --all] [--show-body]

The replies a BullMQ queue gave up on (its failed set): they keep their body until retried or dropped.
  list    one line each: job id, platform, conversation, attempts, last error (--show-body adds the body)
  retry   moves one (--id) or all (--all) back to the queue, to run again
  drop    removes one (--id)
Needs bullmq and ioredis installed next to maiagent-webhook (npm install bullmq ioredis).`;

type Action = 'list' | 'retry' | 'drop';

/** The few members of a BullMQ Queue used here. */
interface FailedJob {
  id?: string | undefined;
  data: Partial<ReplyJobData>;
  attemptsMade: number;
  failedReason: string;
  retry(state?: 'completed' | 'failed'): Promise<void>;
  remove(): Promise<void>;
  getState(): Promise<string>;
}
interface QueueLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  getFailed(start?: number, end?: number): Promise<FailedJob[]>;
  getJob(id: string): Promise<FailedJob | undefined>;
  close(): Promise<void>;
}

export async function deadLettersCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { redis: { type: 'string' }, queue: { type: 'string' }, id: { type: 'string' }, all: { type: 'boolean' }, 'show-body': { type: 'boolean' } },
  });
  const action = positionals[0] as Action | undefined;
  if (action !== 'list' && action !== 'retry' && action !== 'drop') throw new UsageError(`dead-letters takes list, retry or drop, not '${positionals[0] ?? ''}'`);
  if (!values.redis || !URL.canParse(values.redis)) throw new UsageError('dead-letters needs --redis <url> (redis://host:port)');
  if (!values.queue) throw new UsageError('dead-letters needs --queue <name>');
  if (action !== 'list' && !values.id && !(action === 'retry' && values.all)) throw new UsageError(`dead-letters ${action} needs --id <job id>${action === 'retry' ? ' or --all' : ''}`);
  const queue = await openQueue(values.queue, values.redis);
  try {
    if (action === 'list') return await list(queue, io, values['show-body'] === true);
    if (action === 'retry' && values.all) return await retryAll(queue, io);
    return await onOne(queue, values.id as string, action, io);
  } finally {
    await queue.close();
  }
}

async function openQueue(name: string, url: string): Promise<QueueLike> {
  let bullmq: typeof import('bullmq');
  try {
    bullmq = await import('bullmq');
  } catch {
    throw new UsageError('dead-letters needs bullmq and ioredis: npm install bullmq ioredis');
  }
  const queue = new bullmq.Queue(name, { connection: redisConnection(url) }) as unknown as QueueLike;
  let refused: Error | undefined;
  queue.on('error', (error) => (refused ??= error)); // kept for the one line below, not printed as a stack per retry
  try {
    await queue.waitUntilReady();
    return queue;
  } catch (error) {
    await queue.close().catch(() => undefined);
    const { hostname, port } = new URL(url);
    const cause = (refused ?? error) as { code?: unknown; message?: unknown };
    // Host and port only: the URL's password stays out of the line.
    throw new Error(`cannot reach Redis at ${hostname}:${port || 6379} (${String(cause.code ?? cause.message).split('\n')[0]})`, { cause: error });
  }
}

/** ioredis options from a redis:// (or rediss://) URL. */
function redisConnection(url: string) {
  const { protocol, hostname, port, username, password, pathname } = new URL(url);
  return {
    host: hostname,
    port: Number(port || 6379),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
    db: Number(pathname.slice(1) || 0),
    ...(protocol === 'rediss:' ? { tls: {} } : {}),
    // Fail rather than wait when Redis is not there: this is a command someone is watching. Without
    // retryStrategy, ioredis reconnects forever and the command never ends.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  };
}

async function list(queue: QueueLike, io: Io, showBody: boolean): Promise<number> {
  const jobs = await queue.getFailed(0, -1);
  for (const job of jobs) {
    const { platform = '?', conversationId = '?', rawBody } = job.data;
    io.log(`${job.id ?? '?'}  ${platform}  conversation ${conversationId}  attempts ${job.attemptsMade}  ${firstLine(job.failedReason)}`);
    if (showBody) io.log(`  ${rawBody ?? ''}`);
  }
  io.log(`${jobs.length} dead letter${jobs.length === 1 ? '' : 's'} in the failed set`);
  return 0;
}

async function retryAll(queue: QueueLike, io: Io): Promise<number> {
  const jobs = await queue.getFailed(0, -1);
  for (const job of jobs) await job.retry('failed');
  io.log(`retried ${jobs.length}`);
  return 0;
}

async function onOne(queue: QueueLike, id: string, action: 'retry' | 'drop', io: Io): Promise<number> {
  const job = await queue.getJob(id);
  if (!job || (await job.getState()) !== 'failed') {
    io.error(`maiagent-webhook: no dead letter '${id}' in the failed set`);
    return 1;
  }
  if (action === 'retry') await job.retry('failed');
  else await job.remove();
  io.log(`${action === 'retry' ? 'retried' : 'dropped'} ${id}`);
  return 0;
}

function firstLine(text: string): string {
  return (text ?? '').split('\n')[0] ?? '';
}
