// What bench:queue and bench/commands.mjs share: a scratch directory holding the small body, and a redis-server of
// their own on a free port, pinned to core 1 with wrk (the server under test has core 0).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const bodies = createRequire(import.meta.url)('./bodies.cjs');

/** Starts the server; `cli(...args)` runs redis-cli against it and answers its output. */
export async function startRedis(name) {
  const work = mkdtempSync(join(tmpdir(), `maiagent-webhook-bench-${name}-`));
  const bodyFile = join(work, 'small.json');
  writeFileSync(bodyFile, bodies.small);
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const server = spawn('taskset', ['-c', '1', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return { work, bodyFile, port, cli, server };
}
