// The fault suite against real processes and a real redis-server: Redis stopped and restarted mid-load, a receiver
// killed with SIGKILL mid-load. Counts, never timings: lost, run twice, answered late.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMaiAgentDelivery, deliverWithRetries } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { forkReceiver } from '../support/receiver-process';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';

const MESSAGES = 1000;
const CONCURRENCY = 16;
const TIMEOUT_MS = 400;
const CLAIM_TTL_MS = 1500;
/** An answer later than timeoutMs by more than this counts as late: room for a loaded machine's event loop. */
const LATE_MARGIN_MS = 1000;

interface Receiver {
  url: string;
  logFile: string;
  kill(): Promise<void>;
  close(): Promise<void>;
}

let logDir: string;
beforeAll(() => {
  logDir = mkdtempSync(join(tmpdir(), 'maiagent-webhook-faults-'));
});
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

async function startReceiver(redisUrl: string, prefix: string, name: string, seed: number): Promise<Receiver> {
  const logFile = join(logDir, `${name}.log`);
  const { child, port, next, exited } = await forkReceiver('fault-receiver.js', [redisUrl, prefix, logFile], {
    SEED: String(seed),
    TIMEOUT_MS: String(TIMEOUT_MS),
    CLAIM_TTL_MS: String(CLAIM_TTL_MS),
    FAIL_RATE: '0.2',
  });
  return {
    url: `http://127.0.0.1:${String(port)}/maiagent/webhook?token=fault-token`,
    logFile,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = next('closed').catch(() => undefined);
      child.send('close');
      await closed;
      await exited;
    },
  };
}

interface Log {
  starts: string[];
  successes: string[];
  outcomes: { code: string; id: string; durationMs: number; warnings: string[] }[];
}

function readLog(file: string): Log {
  const log: Log = { starts: [], successes: [], outcomes: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [event, ...rest] = line.split(' ');
    if (event === 'start') log.starts.push(rest[0] as string);
    if (event === 'success') log.successes.push(rest[0] as string);
    if (event === 'outcome') {
      const [code, id, duration, warnings] = rest as [string, string, string, string];
      log.outcomes.push({ code, id, durationMs: Number(duration), warnings: warnings === '-' ? [] : warnings.split(',') });
    }
  }
  return log;
}

/** One attempt; a dropped connection (or no answer in 20 s) is status 0, which the sender retries. */
async function post(url: string, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(20_000) });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Like the platform: every message until it gets 200, on a backoff long enough to outlast a claim left by a dead
 * process. `target(i, attempt)` says where each attempt goes; `answered(n)` hears the running count.
 */
async function sendAll(target: (message: number, attempt: number) => string, answered: (count: number) => void = () => {}) {
  const ids: string[] = [];
  const bodies: string[] = [];
  for (let i = 0; i < MESSAGES; i += 1) {
    const delivery = buildMaiAgentDelivery({ content: `message ${i}` });
    ids.push(delivery.id);
    bodies.push(JSON.stringify(delivery));
  }
  const undelivered: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        let attempt = 0;
        const report = await deliverWithRetries(() => post(target(i, attempt++), bodies[i] as string), {
          maxAttempts: 80,
          backoffMs: (n) => Math.min(2 ** n * 10, 300),
        });
        for (const status of report.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (!report.delivered) undelivered.push(ids[i] as string);
        answered(++done);
      }
    }),
  );
  return { ids, undelivered, statuses: Object.fromEntries(statuses) };
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('fault suite: processes sharing a RedisStore on a real redis-server', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(() => redis.dispose());

  it(`Redis stopped and restarted mid-load: ${MESSAGES} deliveries to two processes, none lost, none run twice, none answered late`, async () => {
    const receivers = [await startReceiver(redis.url, 'restart:', 'restart-a', 1), await startReceiver(redis.url, 'restart:', 'restart-b', 2)];
    let outage: Promise<void> | undefined;
    try {
      const sent = await sendAll(
        (i, attempt) => (receivers[(i + attempt) % 2] as Receiver).url,
        (count) => {
          if (count !== MESSAGES / 4) return;
          // Down for a while as deliveries keep arriving, then back on the same port with what it had written.
          outage = (async () => {
            await redis.stop();
            await new Promise((resolve) => setTimeout(resolve, 1500));
            await redis.start();
          })();
        },
      );
      await outage;
      await Promise.all(receivers.map((r) => r.close()));
      const logs = receivers.map((r) => readLog(r.logFile));
      const successes = countBy(logs.flatMap((l) => l.successes));
      const outcomes = logs.flatMap((l) => l.outcomes);
      const figures = {
        lost: sent.ids.filter((id) => !successes.has(id)).length,
        runTwice: [...successes.values()].filter((n) => n > 1).length,
        answeredLate: outcomes.filter((o) => o.durationMs > TIMEOUT_MS + LATE_MARGIN_MS).length,
        undelivered: sent.undelivered.length,
      };
      printFigures('Redis restart', { ...figures, statuses: sent.statuses, storeUnavailable: outcomes.filter((o) => o.code === 'store_unavailable').length, warnings: Object.fromEntries(countBy(outcomes.flatMap((o) => o.warnings))) });
      expect(figures).toEqual({ lost: 0, runTwice: 0, answeredLate: 0, undelivered: 0 });
      // The outage really happened: deliveries were turned away while Redis was down.
      expect(outcomes.filter((o) => o.code === 'store_unavailable').length).toBeGreaterThan(0);
    } finally {
      await outage;
      await Promise.all(receivers.map((r) => r.close()));
    }
  }, 180_000);

  it(`one of two processes killed with SIGKILL mid-load: none lost, run twice only among the ids it had in flight`, async () => {
    const receivers = [await startReceiver(redis.url, 'kill:', 'kill-a', 3), await startReceiver(redis.url, 'kill:', 'kill-b', 4)];
    let killed = false;
    let killing: Promise<void> | undefined;
    try {
      const sent = await sendAll(
        (i, attempt) => (receivers[killed ? 0 : (i + attempt) % 2] as Receiver).url,
        (count) => {
          if (count !== MESSAGES / 4) return;
          killing = (receivers[1] as Receiver).kill().then(() => void (killed = true));
        },
      );
      await killing;
      await (receivers[0] as Receiver).close();
      const [survivor, victim] = receivers.map((r) => readLog(r.logFile)) as [Log, Log];
      const successes = countBy([...survivor.successes, ...victim.successes]);
      const recorded = new Set(victim.outcomes.map((o) => o.id));
      const inFlightWhenKilled = new Set(victim.starts.filter((id) => !recorded.has(id)));
      const twice = [...successes].filter(([, n]) => n > 1).map(([id]) => id);
      const figures = {
        lost: sent.ids.filter((id) => !successes.has(id)).length,
        runTwiceOutsideTheKilledProcessInFlight: twice.filter((id) => !inFlightWhenKilled.has(id)).length,
        undelivered: sent.undelivered.length,
      };
      printFigures('SIGKILL', { ...figures, inFlightWhenKilled: inFlightWhenKilled.size, runTwice: twice.length, statuses: sent.statuses });
      expect(figures).toEqual({ lost: 0, runTwiceOutsideTheKilledProcessInFlight: 0, undelivered: 0 });
      // The kill really happened mid-load: the victim had taken deliveries, and the survivor took the rest.
      expect(victim.starts.length).toBeGreaterThan(0);
      expect(survivor.successes.length).toBeGreaterThan(MESSAGES / 2);
    } finally {
      await killing;
      await Promise.all(receivers.map((r) => r.close()));
    }
  }, 180_000);
});
