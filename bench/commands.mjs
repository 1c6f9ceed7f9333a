#!/usr/bin/env node
// node bench/commands.mjs [target ...]: Redis commands and round trips per delivery, for the targets that talk to
// Redis (default: the RedisStore over node-redis and over ioredis, and queue mode). Each target runs under wrk for
// DURATION seconds (3) on a redis-server of its own; the deltas of `INFO commandstats` and of the server's
// `total_reads_processed` (one per batch of commands it reads off a socket: the client's writes, near enough) are
// divided by the deliveries answered.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startTarget, stop, wrkCommand, wrkEnv, parseWrk } from './run.mjs';
import { startRedis } from './redis-server.mjs';

const DURATION = Number(process.env.DURATION ?? 3);
const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['package-node-redis-store', 'package-node-ioredis-store', 'package-node-queue'];
const { work, bodyFile, port, cli, server: redis } = await startRedis('commands');

/** `calls` per command and the server's socket reads, from INFO. */
function counters() {
  const info = cli('INFO', 'all');
  const calls = {};
  for (const [, name, count] of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[name] = Number(count);
  return { calls, reads: Number(/^total_reads_processed:(\d+)/m.exec(info)[1]) };
}

try {
  for (const target of targets) {
    cli('FLUSHALL');
    const server = await startTarget(target, { REDIS_PORT: String(port) });
    try {
      const [warm, warmArgs] = wrkCommand(server.port, 1);
      execFileSync(warm, warmArgs, { env: wrkEnv(bodyFile) });
      const before = counters();
      const [command, args] = wrkCommand(server.port, DURATION);
      const output = execFileSync(command, args, { env: wrkEnv(bodyFile), encoding: 'utf8' });
      parseWrk(output); // aborts on any answer but 200
      const after = counters();
      const deliveries = Number(/(\d+) requests in/.exec(output)[1]);
      const perDelivery = (n) => (n / deliveries).toFixed(2);
      const commands = Object.entries(after.calls)
        .map(([name, count]) => [name, count - (before.calls[name] ?? 0)])
        .filter(([name, count]) => count > 0 && !['info', 'flushall'].includes(name));
      const total = commands.reduce((sum, [, count]) => sum + count, 0);
      console.log(`${target}: ${deliveries} deliveries; per delivery ${perDelivery(total)} commands (${commands.map(([name, count]) => `${name} ${perDelivery(count)}`).join(', ')}), ${perDelivery(after.reads - before.reads)} socket reads by Redis`);
    } finally {
      await stop(server.child);
    }
  }
} finally {
  redis.kill();
  rmSync(work, { recursive: true, force: true });
}
