import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from 'redis';

export interface TestRedis {
  url: string;
  /** A key prefix of this test run's own, so suites sharing one server never see each other's keys. */
  prefix: string;
  sendCommand(args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A real redis-server: the one at REDIS_URL (CI starts it), else one started here on a free loopback port.
 * Never skipped: without either, the test fails and says why.
 */
export async function connectTestRedis(): Promise<TestRedis> {
  let server: ChildProcess | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    if (process.env.CI) throw new Error('REDIS_URL is not set: .ci/run must start redis-server and export it');
    const port = await freePort();
    server = await startRedisServer(port);
    url = `redis://127.0.0.1:${port}`;
  }
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return {
    url,
    prefix: `test:${randomUUID()}:`,
    sendCommand: (args) => client.sendCommand(args),
    close: async () => {
      client.destroy();
      server?.kill();
    },
  };
}

/**
 * A node-redis client as the README wires one for a `RedisStore` (examples/redis-node-redis.ts): no per-command
 * timeout, since the webhook bounds every store call by its `timeoutMs`. Its errors are the test's to count, not to print.
 */
export function nodeRedisAsTheReadmeWires(url: string) {
  const client = createClient({ url, commandOptions: { timeout: 0 } });
  client.on('error', () => {});
  return client;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function startRedisServer(port: number, settings: string[] = ['--appendonly', 'no']): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // REDIS_SERVER_BIN=valkey-server runs the same suites against Valkey where it is installed.
    const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...settings], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', (error) => reject(new Error(`redis-server could not start (apt-get install redis-server): ${error.message}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
  });
}
