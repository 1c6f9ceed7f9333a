import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRedisServer } from './redis';

const exec = promisify(execFile);
/** redis-cli, or REDIS_CLI_BIN (valkey-cli) beside REDIS_SERVER_BIN. */
const run = (command: 'redis-cli', args: string[]) => exec(process.env.REDIS_CLI_BIN ?? command, args);

/**
 * A Redis Cluster of this test file's own: `masters` redis-servers started with `--cluster-enabled yes` on free
 * loopback ports, joined by `redis-cli --cluster create`, every slot served before this resolves.
 */
export interface TestCluster {
  ports: number[];
  /** ioredis `new Cluster(nodes)` */
  nodes: { host: string; port: number }[];
  /** node-redis `createCluster({ rootNodes })` */
  rootNodes: { url: string }[];
  stop(): Promise<void>;
}

export async function startRedisCluster(masters = 3): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'maiagent-webhook-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < masters; i += 1) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      children.push(await startRedisServer(port, [
        '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
      ]));
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await Promise.all(ports.map(servesEverySlot));
    return {
      ports,
      nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
      rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits (bounded) until this node sees the cluster as `ok`: every slot assigned and every node agreeing. */
async function servesEverySlot(port: number): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
    if (stdout.includes('cluster_state:ok')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`cluster node ${port} never reached cluster_state:ok`);
}

/**
 * One cluster for the test file that calls this: started before its tests, stopped after them, once what the tests
 * opened (pushed on `closing`) is closed, last opened first.
 */
export function useRedisCluster(): { readonly cluster: TestCluster; closing: (() => unknown)[] } {
  let cluster: TestCluster | undefined;
  const closing: (() => unknown)[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    for (const close of closing.reverse()) await close();
    await cluster?.stop();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('the cluster is not started yet');
      return cluster;
    },
    closing,
  };
}

/** How many keys matching `pattern` each master holds, read from each node directly. */
export async function keysOnEachMaster(cluster: TestCluster, pattern: string): Promise<number[]> {
  return Promise.all(cluster.ports.map(async (port) => {
    const { stdout } = await run('redis-cli', ['-p', String(port), '--no-raw', 'eval', "return #redis.call('KEYS', ARGV[1])", '0', pattern]);
    return Number(stdout.replace(/\D/g, ''));
  }));
}

/** Clients connected to the cluster, over all its masters (the count's own redis-cli included, one per node). */
export async function connectedClients(cluster: TestCluster): Promise<number> {
  const counts = await Promise.all(cluster.ports.map(async (port) => {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'info', 'clients']);
    return Number(/connected_clients:(\d+)/.exec(stdout)?.[1]);
  }));
  return counts.reduce((a, b) => a + b, 0);
}
