import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer } from './redis';

/**
 * A redis-server of one test's own, that the test can stop and start again on the same port. Every write is in
 * its append-only file before Redis answers (`appendfsync always`), as a production Redis that must not forget
 * claims across a restart is configured, so a restart loses nothing it acknowledged.
 */
export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  dispose(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'maiagent-webhook-redis-'));
  const settings = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  let child: ChildProcess | undefined = await startRedisServer(port, settings);
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      child = await startRedisServer(port, settings);
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server of this test file's own, started before its tests and disposed after them; read it inside a test. */
export function ownRedisForTheFile(): () => OwnRedis {
  let redis: OwnRedis | undefined;
  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  return () => {
    if (!redis) throw new Error('the redis-server of this file is not started yet: read it inside a test');
    return redis;
  };
}
