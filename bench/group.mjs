#!/usr/bin/env node
// npm run bench:group -- A B C ...: bench:pair for any number of targets, the Redis-backed ones included: all the
// servers at once on core 0, each driven by its own wrk on core 1 (16 connections each), against one redis-server
// of their own (REDIS_PORT), for ROUNDS (6) rounds of DURATION (4) seconds; each target's req/s as × the first's,
// per round, and the medians. A target may carry settings for its server alone as `name:VAR=value`, so
// `npm run bench:group -- package-node package-node-queue:DIST_DIR=/tmp/old/dist package-node-queue` compares
// queue mode before and after a change in the same rounds. Redis shares core 1 with every wrk, so the more targets,
// the more a Redis-backed one is slowed: compare builds of one mode this way, and modes with bench:queue.
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, parseTarget, parseWrk, startTarget, stop, wrkCommand, wrkEnv } from './run.mjs';
import { startRedis } from './redis-server.mjs';

const run = promisify(execFile);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const DURATION = Number(process.env.DURATION ?? 4);
const specs = process.argv.slice(2);
if (specs.length < 2) throw new Error('usage: npm run bench:group -- A B [C ...] (bench/targets names, each optionally name:VAR=value)');

execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(dirname(fileURLToPath(import.meta.url)), '..'), stdio: 'inherit' });
const targets = specs.map(parseTarget);
const { bodyFile, port, cli, server: redis } = await startRedis('group');
const drive = async (serverPort, seconds) => {
  const [command, args] = wrkCommand(serverPort, seconds, 16);
  return parseWrk((await run(command, args, { env: wrkEnv(bodyFile) })).stdout);
};
const ratios = specs.map(() => []);
const p99s = specs.map(() => []);
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    cli('FLUSHALL');
    const servers = [];
    try {
      for (const { key, env } of targets) servers.push(await startTarget(key, { REDIS_PORT: String(port), ...env }));
      await Promise.all(servers.map((server) => drive(server.port, 1))); // warm-up, discarded
      const results = await Promise.all(servers.map((server) => drive(server.port, DURATION)));
      results.forEach((result, i) => {
        ratios[i].push(result.rps / results[0].rps);
        p99s[i].push(result.p99);
      });
      console.log(`round ${round}: ${results.map((r, i) => `${specs[i]} ${Math.round(r.rps)} req/s (× ${(r.rps / results[0].rps).toFixed(3)}, p99 ${r.p99.toFixed(1)} ms)`).join(', ')}`);
    } finally {
      await Promise.all(servers.map(({ child }) => stop(child)));
    }
  }
} finally {
  redis.kill();
}
specs.forEach((spec, i) => {
  console.log(`${spec}: median × ${specs[0]} ${median(ratios[i]).toFixed(3)} (rounds ${Math.min(...ratios[i]).toFixed(3)}-${Math.max(...ratios[i]).toFixed(3)}), median p99 ${median(p99s[i]).toFixed(1)} ms`);
});
