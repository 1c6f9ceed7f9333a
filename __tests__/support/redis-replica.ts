import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort, startRedisServer } from './redis';
import { startTcpProxy } from './tcp-proxy';

/** What the tests use of a node-redis client. */
interface Client {
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
}

/**
 * A master and its replica, each a redis-server of this test's own, the replication link running through a TCP
 * proxy the test can silence: writes the master acknowledges then never reach the replica. `failover()` is what
 * Sentinel or a managed Redis does when the master dies: the master is killed (SIGKILL) and the replica promoted.
 */
export interface ReplicatedRedis {
  masterPort: number;
  replicaPort: number;
  /** A client of the master, then, after `failover()`, of the promoted replica. */
  current(): Client;
  /** Silences the link: the master keeps answering, the replica hears nothing more. */
  cutLink(): void;
  failover(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startReplicatedRedis(masterSettings: string[] = []): Promise<ReplicatedRedis> {
  const [masterPort, replicaPort] = [await freePort(), await freePort()];
  // Each in a directory of its own: the replica writes the master's snapshot to disk when it syncs.
  const dirs = [mkdtempSync(join(tmpdir(), 'maiagent-webhook-master-')), mkdtempSync(join(tmpdir(), 'maiagent-webhook-replica-'))];
  const children: ChildProcess[] = [];
  const clients: Client[] = [];
  const connectTo = async (port: number): Promise<Client> => {
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    clients.push(client);
    return client;
  };
  children.push(await startRedisServer(masterPort, ['--appendonly', 'no', '--dir', dirs[0] as string, '--repl-diskless-sync-delay', '0', ...masterSettings]));
  const link = await startTcpProxy(masterPort);
  children.push(await startRedisServer(replicaPort, ['--appendonly', 'no', '--dir', dirs[1] as string, '--replicaof', '127.0.0.1', String(link.port)]));
  const master = await connectTo(masterPort);
  const replica = await connectTo(replicaPort);
  await until(async () => /slave0:.*state=online/.test(String(await master.sendCommand(['INFO', 'replication']))), 'the replica never caught up');
  let current = master;
  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return {
    masterPort,
    replicaPort,
    current: () => current,
    cutLink: () => link.setMode({ kind: 'silent' }),
    failover: async () => {
      master.destroy();
      await kill(children[0] as ChildProcess);
      await replica.sendCommand(['REPLICAOF', 'NO', 'ONE']);
      current = replica;
    },
    dispose: async () => {
      for (const client of clients) if (client.isOpen) client.destroy();
      await link.close();
      await Promise.all(children.map(kill));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds (bounded: the test fails with `failure` rather than waiting forever). */
export async function until(check: () => Promise<boolean>, failure: string): Promise<void> {
  for (let tries = 0; tries < 400; tries += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(failure);
}
