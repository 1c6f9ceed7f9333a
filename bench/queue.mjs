#!/usr/bin/env node
// npm run bench:queue: the node:http adapter acknowledging into a BullMQ queue, against the same adapter with the
// default memory store and with a RedisStore, in one run, on a redis-server of its own (Debian's redis-server).
// Rounds interleave the three; medians are reported. Options (environment): ROUNDS (5), DURATION seconds (5).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { median, parseWrk, startTarget, stop, wrkCommand, wrkEnv } from './run.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DURATION = Number(process.env.DURATION ?? 5);
const TARGETS = ['package-node', 'package-node-redis-store', 'package-node-queue'];
const here = dirname(fileURLToPath(import.meta.url));
const bodies = createRequire(import.meta.url)('./bodies.cjs');

execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(here, '..'), stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'maiagent-webhook-bench-queue-'));
const bodyFile = join(work, 'small.json');
writeFileSync(bodyFile, bodies.small);
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const redis = spawn('taskset', ['-c', '1', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 300));
const flush = () => execFileSync('redis-cli', ['-p', String(port), 'FLUSHALL'], { stdio: 'ignore' });

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
