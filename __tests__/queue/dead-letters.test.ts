// The dead-letters command against real redis-servers (one never up, one that never answers, one stopped mid-way,
// one behind --requirepass) and real BullMQ failed sets: it behaves like a command. One line and a non-zero exit
// when it cannot do its work, never a password, never a hang; retries that get the queue's attempts again; pages.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { replyJobId, type ReplyJobData } from 'maiagent-webhook/bullmq';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { run } from '../../src/cli';
import { DEAD_LETTERS_PAGE, listDeadLetters } from '../../src/cli/dead-letters';
import { testBuildDir } from '../support/build';
import { printFigures } from '../support/figures';
import { freePort, startRedisServer } from '../support/redis';
import { ownRedisForTheFile } from '../support/redis-server';
import { startTcpProxy } from '../support/tcp-proxy';

const PASSWORD = 'dead-letters-s3cret-pw';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ownRedis = ownRedisForTheFile();

/** The real command in its own process, as a person runs it: its exit code and lines, or 'killed' past the bound. */
function runBin(args: string[], boundMs = 20_000, env: Record<string, string> = {}): Promise<{ code: number | 'killed'; out: string[]; err: string[] }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, [join(testBuildDir(), 'cli.js'), 'dead-letters', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: '', ...env } });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    let killed = false;
    const bound = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, boundMs);
    child.once('exit', (code) => {
      clearTimeout(bound);
      const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
      resolve({ code: killed ? 'killed' : (code ?? -1), out: lines(out), err: lines(err) });
    });
  });
}

async function cli(...args: string[]) {
  return cliWith({}, ...args);
}

async function cliWith(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['dead-letters', ...args], { log: (l) => out.push(l), error: (l) => err.push(l), env });
  return { code, out, err };
}

let queues = 0;
const connection = () => ({ host: '127.0.0.1', port: ownRedis().port, maxRetriesPerRequest: null });

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`never happened: ${what}`);
}

/** A queue whose `count` replies all failed their `attempts` (a worker that always throws ran them). */
async function queueOfDeadLetters(count: number, attempts: number, prefix?: string) {
  const queue = new Queue<ReplyJobData>(`dead-${++queues}`, { connection: connection(), defaultJobOptions: { attempts, backoff: { type: 'fixed', delay: 1 } }, ...(prefix ? { prefix } : {}) });
  queue.on('error', () => {});
  const ids: string[] = [];
  const jobs = Array.from({ length: count }, () => {
    const delivery = buildMaiAgentDelivery();
    const jobId = replyJobId('maiagent', delivery.id);
    ids.push(jobId);
    return { name: 'maiagent', data: { platform: 'maiagent' as const, messageId: delivery.id, conversationId: 'conv-dead', rawBody: JSON.stringify(delivery), receivedAt: Date.now() }, opts: { jobId, removeOnFail: false } };
  });
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  const runs = { count: 0 };
  let failing = true;
  const worker = new Worker(queue.name, async () => {
    runs.count += 1;
    if (failing) throw new Error('downstream refuses');
  }, { connection: connection(), concurrency: 50, ...(prefix ? { prefix } : {}) });
  worker.on('error', () => {});
  await until(async () => (await queue.getFailedCount()) === count, `${count} failed`);
  return {
    queue,
    ids,
    runs,
    heal: () => (failing = false),
    settled: (failed: number) => until(async () => (await queue.getFailedCount()) === failed && (await queue.getJobCountByTypes('wait', 'active', 'delayed')) === 0, `${failed} failed, none waiting`),
    stopWorker: () => worker.close(),
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

describe('dead-letters when it cannot reach Redis', () => {
  it('Redis never up: exits 1 by itself with one line naming host and port, no stack, never the password', async () => {
    const port = await freePort();
    const result = await runBin(['list', '--redis', `redis://:${PASSWORD}@127.0.0.1:${port}`, '--queue', 'replies']);
    printFigures('dead-letters, Redis never up', result);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([`maiagent-webhook: cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`]);
  }, 30_000);

  it('REDIS_URL (no --redis) with a password, Redis never up: the same one line, exit 1, never the password', async () => {
    const port = await freePort();
    const result = await runBin(['list', '--queue', 'replies'], 20_000, { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([`maiagent-webhook: cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`]);
  }, 30_000);

  it('a Redis that accepts the connection and never answers: exits 1 by itself with one line', async () => {
    const proxy = await startTcpProxy(ownRedis().port);
    proxy.setMode({ kind: 'silent' });
    try {
      const result = await runBin(['list', '--redis', `redis://127.0.0.1:${proxy.port}`, '--queue', 'replies']);
      printFigures('dead-letters, Redis silent', result);
      expect(result.code).toBe(1);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(new RegExp(`^maiagent-webhook: cannot reach Redis at 127\\.0\\.0\\.1:${proxy.port}: `));
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('--cluster given a Redis that is not a cluster node: exits 1 with one line that says why', async () => {
    const result = await runBin(['list', '--cluster', '--redis', ownRedis().url, '--queue', 'replies']);
    printFigures('dead-letters --cluster, not a cluster', result);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(/^maiagent-webhook: cannot reach Redis at 127\.0\.0\.1:\d+: .*cluster support disabled/);
  }, 30_000);

  describe('a Redis behind --requirepass', () => {
    let port: number;
    let guarded: ChildProcess;
    beforeAll(async () => {
      port = await freePort();
      guarded = await startRedisServer(port, ['--requirepass', PASSWORD, '--appendonly', 'no']);
    });
    afterAll(() => {
      guarded.kill('SIGKILL');
    });

    it.each([
      ['a wrong password', `redis://:wrong-${PASSWORD}@127.0.0.1:`],
      ['a wrong user and password', `redis://someone:wrong-${PASSWORD}@127.0.0.1:`],
      ['no password', 'redis://127.0.0.1:'],
    ])('%s: exits 1 with one line that never holds the password', async (_label, base) => {
      const result = await runBin(['list', '--redis', `${base}${port}`, '--queue', 'replies']);
      printFigures('dead-letters, auth refused', result);
      expect(result.code).toBe(1);
      expect(result.out).toEqual([]);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(new RegExp(`^maiagent-webhook: cannot reach Redis at 127\\.0\\.0\\.1:${port}: (WRONGPASS|NOAUTH)`));
      expect(result.err.join('\n')).not.toContain(PASSWORD);
    }, 30_000);

    it('a wrong password in REDIS_URL (no --redis): exits 1 with one line that never holds it', async () => {
      const result = await runBin(['list', '--queue', 'replies'], 20_000, { REDIS_URL: `redis://:wrong-${PASSWORD}@127.0.0.1:${port}` });
      expect(result.code).toBe(1);
      expect(result.err).toHaveLength(1);
      expect(result.err[0]).toMatch(new RegExp(`^maiagent-webhook: cannot reach Redis at 127\\.0\\.0\\.1:${port}: WRONGPASS`));
      expect([...result.out, ...result.err].join('\n')).not.toContain(PASSWORD);
    }, 30_000);

    it('the right password in REDIS_URL (no --redis), in a process of its own: it works, and prints no password', async () => {
      const result = await runBin(['list', '--queue', 'replies'], 20_000, { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` });
      expect(result.code).toBe(0);
      expect([...result.out, ...result.err].join('\n')).not.toContain(PASSWORD);
    }, 30_000);

    it('the right password: it works, and prints no password', async () => {
      const result = await cli('list', '--redis', `redis://:${PASSWORD}@127.0.0.1:${port}`, '--queue', 'replies');
      expect(result.code).toBe(0);
      expect([...result.out, ...result.err].join('\n')).not.toContain(PASSWORD);
    }, 30_000);
  });

  it('Redis stopped mid-way through a list: one line, exit 1', async () => {
    const dead = await queueOfDeadLetters(DEAD_LETTERS_PAGE * 2 + 10, 1);
    // Its work is done; a BullMQ worker left running through the restart would not close.
    await dead.stopWorker();
    const out: string[] = [];
    const err: string[] = [];
    let stopping: Promise<void> | undefined;
    try {
      const code = await run(['dead-letters', 'list', '--redis', ownRedis().url, '--queue', dead.queue.name], {
        log: (line) => {
          out.push(line);
          stopping ??= ownRedis().stop();
        },
        error: (line) => err.push(line),
        env: {},
      });
      printFigures('dead-letters, Redis stopped mid-way', { code, printed: out.length, err });
      expect(code).toBe(1);
      expect(out.length).toBeLessThan(DEAD_LETTERS_PAGE * 2 + 10);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(new RegExp(`^maiagent-webhook: Redis at 127\\.0\\.0\\.1:${ownRedis().port} failed mid-way: `));
    } finally {
      await stopping;
      await ownRedis().start();
      await dead.queue.close();
    }
  }, 120_000);
});

describe('dead-letters usage', () => {
  it.each([['localhost:6379'], ['127.0.0.1:6379'], [`someone:${PASSWORD}@redis.internal:6379`], ['http://127.0.0.1:6379']])('--redis %p without a redis:// scheme: one line, exit 2, no password', async (value) => {
    const result = await cli('list', '--redis', value, '--queue', 'replies');
    expect(result.code).toBe(2);
    expect(result.err).toEqual(['maiagent-webhook: --redis takes a redis:// or rediss:// URL (redis://host:port), with the scheme']);
    expect(result.out).toEqual([]);
  });

  it.each([[`redis://:${PASSWORD}100%@127.0.0.1:6379`], [`redis://some%user:${PASSWORD}@127.0.0.1:6379`]])('--redis %p with a bare % in the user or password: one line that says how to write it, exit 2, no password', async (value) => {
    const result = await cli('list', '--redis', value, '--queue', 'replies');
    expect(result).toEqual({ code: 2, out: [], err: ['maiagent-webhook: --redis: a % in the user or password must be written %25 (the URL is percent-encoded)'] });
  });

  it('--redis "$REDIS_URL" with REDIS_URL unset (queue.md\'s commands, apps left on their default): one line that asks for the URL, exit 2', async () => {
    expect(await cli('list', '--redis', '', '--queue', 'maiagent-replies')).toEqual({ code: 2, out: [], err: ['maiagent-webhook: dead-letters needs --redis <url> (redis://host:port), or REDIS_URL'] });
  });

  it('without --redis, reads REDIS_URL, as the examples do; with neither, one line that asks for the URL, exit 2', async () => {
    const fromEnvironment = await cliWith({ REDIS_URL: ownRedis().url }, 'list', '--queue', `never-used-${Date.now()}`);
    expect(fromEnvironment).toMatchObject({ code: 0, err: [] });
    expect(fromEnvironment.out.join('\n')).toMatch(/no jobs/);
    expect(await cli('list', '--queue', 'maiagent-replies')).toEqual({ code: 2, out: [], err: ['maiagent-webhook: dead-letters needs --redis <url> (redis://host:port), or REDIS_URL'] });
  });

  it('an action that is not one (a Redis URL typed in its place, password and all): one line that quotes none of it, exit 2', async () => {
    const result = await cli(`redis://:${PASSWORD}@h:6379`, '--queue', 'replies');
    expect(result.code).toBe(2);
    expect(result.err).toHaveLength(1);
    expect(result.err.join('\n')).not.toContain(PASSWORD);
  });

  it('retry takes --id or --all, not both: one line, exit 2, before reaching Redis', async () => {
    const result = await cli('retry', '--all', '--id', 'maiagent-1', '--redis', ownRedis().url, '--queue', 'replies');
    expect(result).toEqual({ code: 2, out: [], err: ['maiagent-webhook: dead-letters retry takes --id <job id> or --all, not both'] });
  });

  it('--attempts must be a whole number of at least 1, and only with retry', async () => {
    expect((await cli('retry', '--all', '--attempts', '0', '--redis', ownRedis().url, '--queue', 'q')).err).toEqual(["maiagent-webhook: --attempts must be a whole number of at least 1, not '0'"]);
    expect((await cli('list', '--attempts', '3', '--redis', ownRedis().url, '--queue', 'q')).err).toEqual(['maiagent-webhook: --attempts goes with retry']);
  });
});

describe('dead-letters on real failed sets', () => {
  it('retry gives a dead letter its queue\'s attempts again (3 more runs, not 1), and --attempts 5 gives it 5', async () => {
    const dead = await queueOfDeadLetters(1, 3);
    try {
      const [id] = dead.ids as [string];
      expect(dead.runs.count).toBe(3);
      expect((await cli('retry', '--id', id, '--redis', ownRedis().url, '--queue', dead.queue.name)).code).toBe(0);
      await dead.settled(1);
      const afterRetry = dead.runs.count;
      expect((await cli('retry', '--id', id, '--attempts', '5', '--redis', ownRedis().url, '--queue', dead.queue.name)).code).toBe(0);
      await dead.settled(1);
      const job = await dead.queue.getJob(id);
      printFigures('dead-letters retry', { runsAfterRetry: afterRetry, runsAfterAttempts5: dead.runs.count, attemptsMade: job?.attemptsMade });
      expect({ afterRetry, afterAttempts5: dead.runs.count, attemptsMade: job?.attemptsMade }).toEqual({ afterRetry: 6, afterAttempts5: 11, attemptsMade: 5 });
    } finally {
      await dead.close();
    }
  }, 60_000);

  it(`list and retry --all page through ${DEAD_LETTERS_PAGE * 2 + 50} dead letters: each listed once, each retried once`, async () => {
    const count = DEAD_LETTERS_PAGE * 2 + 50;
    const dead = await queueOfDeadLetters(count, 1);
    try {
      const listed = await cli('list', '--redis', ownRedis().url, '--queue', dead.queue.name);
      expect(listed.code).toBe(0);
      const listedIds = listed.out.slice(0, -1).map((line) => line.split('  ')[0]);
      expect(new Set(listedIds).size).toBe(count);
      expect([...listedIds].sort()).toEqual([...dead.ids].sort());
      expect(listed.out.at(-1)).toBe(`${count} dead letters in the failed set`);
      dead.heal();
      const before = dead.runs.count;
      const retried = await cli('retry', '--all', '--redis', ownRedis().url, '--queue', dead.queue.name);
      expect(retried.out).toEqual([`retried ${count}`]);
      await dead.settled(0);
      expect(dead.runs.count - before).toBe(count);
      expect(await dead.queue.getCompletedCount()).toBe(count);
    } finally {
      await dead.close();
    }
  }, 120_000);

  it('reads no more than a page of jobs at a time', async () => {
    const asked: [number, number][] = [];
    const job = (i: number) => ({ id: `maiagent-${i}`, data: { platform: 'maiagent' as const, conversationId: 'c' }, attemptsMade: 1, failedReason: 'x', retry: async () => {}, remove: async () => {}, getState: async () => 'failed' });
    const total = DEAD_LETTERS_PAGE * 3 + 7;
    const queue = {
      getFailed: async (start: number, end: number) => {
        asked.push([start, end]);
        return Array.from({ length: Math.max(0, Math.min(end, total - 1) - start + 1) }, (_, i) => job(start + i));
      },
    };
    const lines: string[] = [];
    await listDeadLetters(queue, (line) => lines.push(line), false);
    expect(asked.every(([start, end]) => end - start + 1 <= DEAD_LETTERS_PAGE)).toBe(true);
    expect(lines).toHaveLength(total + 1);
  });

  it('--prefix finds a queue under a custom BullMQ prefix; without it, the command says the queue has no jobs at all', async () => {
    const dead = await queueOfDeadLetters(2, 1, 'myapp');
    try {
      const withPrefix = await cli('list', '--redis', ownRedis().url, '--queue', dead.queue.name, '--prefix', 'myapp');
      expect(withPrefix.out.at(-1)).toBe('2 dead letters in the failed set');
      const without = await cli('list', '--redis', ownRedis().url, '--queue', dead.queue.name);
      expect(without.code).toBe(0);
      expect(without.out).toEqual([`queue '${dead.queue.name}' has no jobs at all under prefix 'bull': check --queue and --prefix`]);
      const retryAll = await cli('retry', '--all', '--redis', ownRedis().url, '--queue', 'no-such-queue');
      expect(retryAll.out).toEqual([`queue 'no-such-queue' has no jobs at all under prefix 'bull': check --queue and --prefix`]);
      const one = await cli('drop', '--id', 'maiagent-x', '--redis', ownRedis().url, '--queue', 'no-such-queue');
      expect(one.code).toBe(1);
      expect(one.err).toEqual([`maiagent-webhook: queue 'no-such-queue' has no jobs at all under prefix 'bull': check --queue and --prefix`]);
    } finally {
      await dead.close();
    }
  }, 60_000);
});
