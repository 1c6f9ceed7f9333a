import { parseCommandArgs, quoted } from './arguments';
import { UsageError, type Io } from './usage';
import type { ReplyJobData } from '../queue/bullmq';

export const DEAD_LETTERS_USAGE = `Usage: maiagent-webhook dead-letters <list|retry|drop> [--redis <url>] --queue <name> [--prefix <prefix>] [--cluster]
         [--id <job id> | --all] [--attempts <n>] [--show-body]

The replies a BullMQ queue gave up on (its failed set): they keep their body until retried or dropped.
  list    one line each: job id, platform, conversation, attempts, last error (--show-body adds the body)
  retry   moves one (--id) or all (--all) back to the queue with its attempts reset, so the queue's retry policy
          applies again; --attempts <n> gives each n attempts instead
  drop    removes one (--id)
  --redis   redis://[user:password@]host:port[/db], or rediss:// for TLS (default: REDIS_URL)
  --prefix  the queue's BullMQ prefix, if it is not the default 'bull'
  --cluster --redis is one node of a Redis Cluster (the queue's prefix then carries a hash tag: --prefix '{maiagent}')
Gives up with one line and exit code 1 when Redis cannot be reached within about 12 seconds.
Needs bullmq and ioredis installed next to maiagent-webhook (npm install bullmq ioredis).`;

/** How many failed jobs are read at a time: a failed set of any size is never loaded, bodies and all, at once. */
export const DEAD_LETTERS_PAGE = 100;
/** Connecting and authenticating get this long in all, whatever Redis does: someone is watching this command. */
const CONNECT_BUDGET_MS = 8000;
/** Each Redis command (the connection's handshake included) gets this long before it counts as failed. */
const COMMAND_TIMEOUT_MS = 3000;
const CONNECT_TRIES = 2;
const CLOSE_BUDGET_MS = 2000;

type Action = 'list' | 'retry' | 'drop';

/** The few members of a BullMQ Job used here. */
interface FailedJob {
  id?: string | undefined;
  data: Partial<ReplyJobData>;
  attemptsMade: number;
  failedReason: string;
  retry(state?: 'completed' | 'failed', options?: { resetAttemptsMade?: boolean; resetAttemptsStarted?: boolean }): Promise<void>;
  remove(): Promise<void>;
  getState(): Promise<string>;
}

/** The few members of a BullMQ Queue used here. */
interface QueueLike {
  getFailed(start: number, end: number): Promise<(FailedJob | undefined)[]>;
  getRanges(types: ['failed'], start: number, end: number): Promise<string[]>;
  getJob(id: string): Promise<FailedJob | undefined>;
  getJobCountByTypes(...types: string[]): Promise<number>;
  toKey(id: string): string;
  backend: { client: Promise<{ hget(key: string, field: string): Promise<string | null>; hset(key: string, data: Record<string, string>): Promise<unknown> }> };
  waitUntilReady(): Promise<void>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close(): Promise<void>;
}

interface Request {
  action: Action;
  queue: string;
  prefix: string;
  redis: RedisTarget;
  /** Whether `redis` is one node of a Redis Cluster. */
  cluster: boolean;
  id?: string | undefined;
  all: boolean;
  attempts?: number | undefined;
  showBody: boolean;
}

interface RedisTarget {
  /** `host:port`: what the command prints about where Redis is. Never the user or the password. */
  where: string;
  connection: Record<string, unknown>;
  /** Kept out of every line the command prints. */
  secrets: string[];
}

export async function deadLettersCommand(args: string[], io: Io): Promise<number> {
  const request = parseRequest(args, io.env);
  const queue = await openQueue(request);
  try {
    return await act(queue, request, io);
  } catch (error) {
    // No cause attached: a Redis error can carry the command that failed, an AUTH with its password.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`Redis at ${request.redis.where} failed mid-way: ${describe(error, request.redis.secrets)}`);
  } finally {
    await closeWithin(queue);
  }
}

function parseRequest(args: string[], env: Io['env']): Request {
  const { values, positionals } = parseCommandArgs('dead-letters', {
    args,
    allowPositionals: true,
    options: {
      redis: { type: 'string' },
      queue: { type: 'string' },
      prefix: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean' },
      attempts: { type: 'string' },
      'show-body': { type: 'boolean' },
      cluster: { type: 'boolean' },
    },
  });
  const action = positionals[0] as Action | undefined;
  if (action !== 'list' && action !== 'retry' && action !== 'drop') throw new UsageError(`dead-letters takes list, retry or drop, not ${quoted(positionals[0] ?? '')}`);
  // The examples read REDIS_URL too: the command finds the same Redis without being told twice.
  const redis = values.redis ?? env.REDIS_URL;
  if (!redis) throw new UsageError('dead-letters needs --redis <url> (redis://host:port), or REDIS_URL');
  if (!values.queue) throw new UsageError('dead-letters needs --queue <name>');
  if (action !== 'list' && !values.id && !(action === 'retry' && values.all)) throw new UsageError(`dead-letters ${action} needs --id <job id>${action === 'retry' ? ' or --all' : ''}`);
  // Both would retry the whole failed set where one job was meant.
  if (action === 'retry' && values.id && values.all) throw new UsageError('dead-letters retry takes --id <job id> or --all, not both');
  if (values.prefix === '') throw new UsageError('--prefix must not be empty');
  return {
    action,
    queue: values.queue,
    prefix: values.prefix ?? 'bull',
    redis: redisTarget(redis),
    cluster: values.cluster === true,
    id: values.id,
    all: values.all === true,
    attempts: attemptsOption(values.attempts, action),
    showBody: values['show-body'] === true,
  };
}

function attemptsOption(value: string | undefined, action: Action): number | undefined {
  if (value === undefined) return undefined;
  if (action !== 'retry') throw new UsageError('--attempts goes with retry');
  const attempts = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(attempts) || attempts < 1) throw new UsageError(`--attempts must be a whole number of at least 1, not '${value}'`);
  return attempts;
}

/**
 * ioredis options from a redis:// (or rediss://) URL. Anything else is refused, not guessed at: `localhost:6379`
 * parses as a URL of scheme `localhost:` and would quietly connect to the default 127.0.0.1:6379. The refusal
 * does not repeat the value, which may hold a password.
 */
function redisTarget(url: string): RedisTarget {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !parsed.hostname) {
    throw new UsageError('--redis takes a redis:// or rediss:// URL (redis://host:port), with the scheme');
  }
  const { protocol, hostname, port, username, password, pathname } = parsed;
  const db = pathname.length > 1 ? Number(pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) throw new UsageError('--redis: the database after the port must be a number (redis://host:port/0)');
  const secret = password ? decodedCredential(password) : undefined;
  const where = `${hostname}:${port || 6379}`;
  return {
    where,
    secrets: secret ? [secret, password] : [],
    connection: {
      host: hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(port || 6379),
      ...(username ? { username: decodedCredential(username) } : {}),
      ...(secret ? { password: secret } : {}),
      db,
      ...(protocol === 'rediss:' ? { tls: {} } : {}),
      // Fail rather than wait: a few tries, each bounded, and no command queued while it is not connected.
      connectTimeout: COMMAND_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (tries: number) => (tries >= CONNECT_TRIES ? null : 250),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    },
  };
}

/** A URL's user or password as typed before encoding; a bare % cannot be read, and is refused without its value. */
function decodedCredential(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new UsageError('--redis: a % in the user or password must be written %25 (the URL is percent-encoded)');
  }
}

/** The queue once Redis answered, or one line saying why not, within CONNECT_BUDGET_MS. */
async function openQueue(request: Request): Promise<QueueLike> {
  const { Queue } = await loadBullmq();
  const { redis } = request;
  const queue = request.cluster ? await clusterQueue(Queue, request) : (new Queue(request.queue, { connection: redis.connection, prefix: request.prefix }) as unknown as QueueLike);
  let lastError: unknown;
  // BullMQ re-emits every connection error here; without a listener each would be printed with its stack (and the
  // command that failed, an AUTH's password included).
  queue.on('error', (error) => (lastError = error));
  const ready = await within(queue.waitUntilReady(), CONNECT_BUDGET_MS);
  if (ready.ok) return queue;
  await closeWithin(queue);
  const why = ready.timedOut ? `no answer within ${CONNECT_BUDGET_MS / 1000} s${lastError ? ` (${describe(lastError, redis.secrets)})` : ''}` : describe(ready.error ?? lastError, redis.secrets);
  throw new Error(`cannot reach Redis at ${redis.where}: ${why}`);
}

/** A queue on a Redis Cluster found from one of its nodes (BullMQ takes a Cluster instance, not its options). */
async function clusterQueue(Queue: typeof import('bullmq').Queue, request: Request): Promise<QueueLike> {
  const { host, port, enableOfflineQueue, ...redisOptions } = request.redis.connection;
  let ioredis: typeof import('ioredis');
  try {
    ioredis = await import('ioredis');
  } catch {
    throw new UsageError('dead-letters --cluster needs ioredis: npm install ioredis');
  }
  // A few tries, as for one node: unbounded, a node that is no cluster's would be asked again for the whole budget.
  const cluster = new ioredis.Cluster([{ host: host as string, port: port as number }], {
    redisOptions,
    enableOfflineQueue: enableOfflineQueue as boolean,
    clusterRetryStrategy: (tries: number) => (tries >= CONNECT_TRIES ? null : 250),
  });
  const queue = new Queue(request.queue, { connection: cluster, prefix: request.prefix }) as unknown as QueueLike;
  // BullMQ leaves open a connection it was handed: closed here, or the command would never exit.
  const closeQueue = queue.close.bind(queue);
  queue.close = async () => {
    await closeQueue();
    cluster.disconnect();
  };
  return queue;
}

async function loadBullmq(): Promise<typeof import('bullmq')> {
  try {
    return await import('bullmq');
  } catch {
    throw new UsageError('dead-letters needs bullmq and ioredis: npm install bullmq ioredis');
  }
}

async function act(queue: QueueLike, request: Request, io: Io): Promise<number> {
  if (await hasNoJobs(queue)) return noJobsAtAll(request, io);
  if (request.action === 'list') {
    await listDeadLetters(queue, (line) => io.log(line), request.showBody);
    return 0;
  }
  if (request.action === 'retry' && request.all) {
    io.log(`retried ${await retryAll(queue, request.attempts)}`);
    return 0;
  }
  return onOne(queue, request, io);
}

async function hasNoJobs(queue: QueueLike): Promise<boolean> {
  const total = await queue.getJobCountByTypes('completed', 'failed', 'active', 'wait', 'delayed', 'prioritized', 'paused', 'waiting-children');
  return total === 0;
}

/** Most likely a name or a prefix that is not the queue's: said as such, not as an empty failed set. */
function noJobsAtAll({ queue, prefix, action, all }: Request, io: Io): number {
  const line = `queue '${queue}' has no jobs at all under prefix '${prefix}': check --queue and --prefix`;
  if (action === 'list' || all) {
    io.log(line);
    return 0;
  }
  io.error(`maiagent-webhook: ${line}`);
  return 1;
}

/** One line per dead letter, newest first, a page at a time; then how many. */
export async function listDeadLetters(queue: Pick<QueueLike, 'getFailed'>, log: (line: string) => void, showBody: boolean): Promise<number> {
  let count = 0;
  for (let start = 0; ; start += DEAD_LETTERS_PAGE) {
    const page = await queue.getFailed(start, start + DEAD_LETTERS_PAGE - 1);
    for (const job of page) {
      // A job removed between reading the ids and the jobs comes back empty.
      if (!job) continue;
      const { platform = '?', conversationId = '?', rawBody } = job.data;
      log(`${job.id ?? '?'}  ${platform}  conversation ${conversationId}  attempts ${job.attemptsMade}  ${firstLine(job.failedReason)}`);
      if (showBody) log(`  ${rawBody ?? ''}`);
      count += 1;
    }
    if (page.length < DEAD_LETTERS_PAGE) break;
  }
  log(`${count} dead letter${count === 1 ? '' : 's'} in the failed set`);
  return count;
}

/**
 * Retries every job in the failed set when the command started. The ids are read first, a page at a time (a
 * retried job leaves the set, so reading by position while retrying would skip some); then each page of jobs is
 * read and retried, so no more than a page of bodies is held at once.
 */
async function retryAll(queue: QueueLike, attempts: number | undefined): Promise<number> {
  const ids = await failedIds(queue);
  let retried = 0;
  for (let start = 0; start < ids.length; start += DEAD_LETTERS_PAGE) {
    const page = ids.slice(start, start + DEAD_LETTERS_PAGE);
    const done = await Promise.all(page.map(async (id) => {
      const job = await queue.getJob(id);
      if (!job || (await job.getState()) !== 'failed') return false;
      await retryJob(queue, job, attempts);
      return true;
    }));
    retried += done.filter(Boolean).length;
  }
  return retried;
}

async function failedIds(queue: QueueLike): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; ; start += DEAD_LETTERS_PAGE) {
    const page = await queue.getRanges(['failed'], start, start + DEAD_LETTERS_PAGE - 1);
    ids.push(...page);
    if (page.length < DEAD_LETTERS_PAGE) return [...new Set(ids)];
  }
}

/**
 * Back to the queue with its attempts made reset: without that, BullMQ would give a job that used up its
 * attempts a single run, and fail it for good at the first error. With `attempts`, the job's own count is set
 * first (BullMQ has no call for it: the job's options are rewritten in its hash, through the client BullMQ exposes
 * for this kind of thing).
 */
async function retryJob(queue: QueueLike, job: FailedJob, attempts: number | undefined): Promise<void> {
  if (attempts !== undefined) await setAttempts(queue, job.id as string, attempts);
  await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
}

async function setAttempts(queue: QueueLike, id: string, attempts: number): Promise<void> {
  const client = await queue.backend.client;
  const key = queue.toKey(id);
  const options = JSON.parse((await client.hget(key, 'opts')) ?? '{}') as Record<string, unknown>;
  await client.hset(key, { opts: JSON.stringify({ ...options, attempts }) });
}

async function onOne(queue: QueueLike, request: Request, io: Io): Promise<number> {
  const id = request.id as string;
  const job = await queue.getJob(id);
  if (!job || (await job.getState()) !== 'failed') {
    io.error(`maiagent-webhook: no dead letter '${id}' in the failed set`);
    return 1;
  }
  if (request.action === 'retry') await retryJob(queue, job, request.attempts);
  else await job.remove();
  io.log(`${request.action === 'retry' ? 'retried' : 'dropped'} ${id}`);
  return 0;
}

type Within = { ok: true } | { ok: false; timedOut: boolean; error?: unknown };

async function within(work: Promise<unknown>, ms: number): Promise<Within> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Within>((resolve) => (timer = setTimeout(() => resolve({ ok: false, timedOut: true }), ms)));
  try {
    return await Promise.race([work.then((): Within => ({ ok: true }), (error: unknown): Within => ({ ok: false, timedOut: false, error })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closing must not hold the command either: whatever close() does, the command ends. */
async function closeWithin(queue: QueueLike): Promise<void> {
  await within(queue.close().catch(() => undefined), CLOSE_BUDGET_MS);
}

/** The error's own message on one line, with every secret taken out: never the error object, its stack or command. */
function describe(error: unknown, secrets: string[]): string {
  const message = (error as { message?: unknown } | null)?.message;
  let text = (typeof message === 'string' && message ? message : String(error)).split('\n')[0] ?? '';
  // A Cluster's own error ("Failed to refresh slots cache.") holds why in the node's: "cluster support disabled".
  const nodeMessage = (error as { lastNodeError?: { message?: unknown } } | null)?.lastNodeError?.message;
  if (typeof nodeMessage === 'string' && nodeMessage) text += ` ${nodeMessage.split('\n')[0] ?? ''}`;
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  return text;
}

function firstLine(text: string): string {
  return (text ?? '').split('\n')[0] ?? '';
}
