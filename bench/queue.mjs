#!/usr/bin/env node
// npm run bench:queue: the node:http adapter acknowledging into a BullMQ queue, against the same adapter with the
// default memory store and with a RedisStore (over node-redis and over ioredis, each as the README wires it), in one
// run, on a redis-server of its own (Debian's redis-server).
// Rounds interleave the targets; medians are reported, with the CPU each delivery cost the server (core 0, the
// bottleneck) and Redis (core 1, shared with wrk), read from /proc: where a mode's time goes, per process. Options (environment): ROUNDS (5), DURATION seconds (5),
// TARGETS (comma-separated target names, bench/targets/NAME.cjs).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
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
/** CPU time a process has used so far, in µs (user + system, from /proc/PID/stat). */
const cpuMicros = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
};

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
        const before = { server: cpuMicros(server.child.pid), redis: cpuMicros(redis.pid) };
        const output = execFileSync(measured, measuredArgs, { env: wrkEnv(bodyFile), encoding: 'utf8' });
        const deliveries = Number(/(\d+) requests in/.exec(output)[1]);
        const result = {
          ...parseWrk(output),
          serverMicros: (cpuMicros(server.child.pid) - before.server) / deliveries,
          redisMicros: (cpuMicros(redis.pid) - before.redis) / deliveries,
        };
        samples[target].push(result);
        console.log(`round ${round}: ${target} ${Math.round(result.rps)} req/s (p99 ${result.p99.toFixed(1)} ms; CPU a delivery: server ${result.serverMicros.toFixed(1)} µs, Redis ${result.redisMicros.toFixed(1)} µs)`);
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
console.log('\n| target | req/s | p99 ms | × memory store | server CPU µs a delivery | Redis CPU µs a delivery |\n|---|---:|---:|---:|---:|---:|');
for (const target of TARGETS) {
  const rps = median(samples[target].map((s) => s.rps));
  const micros = (key) => median(samples[target].map((s) => s[key])).toFixed(1);
  console.log(`| ${target} | ${Math.round(rps)} | ${median(samples[target].map((s) => s.p99)).toFixed(1)} | ${(rps / memory).toFixed(2)} | ${micros('serverMicros')} | ${micros('redisMicros')} |`);
}
