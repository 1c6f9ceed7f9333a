#!/usr/bin/env node
// npm run bench:queue: the node:http adapter acknowledging into a BullMQ queue, against the same adapter with the
// default memory store and with a RedisStore (over node-redis and over ioredis, each as the README wires it), in one
// run, on a redis-server of its own (Debian's redis-server).
// Rounds interleave the targets; medians are reported. Options (environment): ROUNDS (5), DURATION seconds (5),
// TARGETS (comma-separated target names, bench/targets/NAME.cjs).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, parseWrk, startTarget, stop, wrkCommand, wrkEnv } from './run.mjs';
import { startRedis } from './redis-server.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 5);
const TARGETS = (process.env.TARGETS ?? 'package-node,package-node-redis-store,package-node-ioredis-store,package-node-queue').split(',');
const here = dirname(fileURLToPath(import.meta.url));

execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(here, '..'), stdio: 'inherit' });
const { work, bodyFile, port, cli, server: redis } = await startRedis('queue');
const flush = () => cli('FLUSHALL');

const samples = Object.fromEntries(TARGETS.map((target) => [target, []]));
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const target of TARGETS) {
      flush();
      const server = await startTarget(target, { REDIS_PORT: String(port) });
      try {
        const [command, args] = wrkCommand(server.port, 1);
        execFileSync(command, args, { env: wrkEnv(bodyFile) }); // warm-up, discarded
        const [measured, measuredArgs] = wrkCommand(server.port, DURATION);
        const result = parseWrk(execFileSync(measured, measuredArgs, { env: wrkEnv(bodyFile), encoding: 'utf8' }));
        samples[target].push(result);
        console.log(`round ${round}: ${target} ${Math.round(result.rps)} req/s (p99 ${result.p99.toFixed(1)} ms)`);
      } finally {
        await stop(server.child);
      }
    }
  }
} finally {
  redis.kill();
  rmSync(work, { recursive: true, force: true });
}
const memory = median(samples['package-node'].map((s) => s.rps));
console.log('\n| target | req/s | p99 ms | × memory store |\n|---|---:|---:|---:|');
for (const target of TARGETS) {
  const rps = median(samples[target].map((s) => s.rps));
  console.log(`| ${target} | ${Math.round(rps)} | ${median(samples[target].map((s) => s.p99)).toFixed(1)} | ${(rps / memory).toFixed(2)} |`);
}
